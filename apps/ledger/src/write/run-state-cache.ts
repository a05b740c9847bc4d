import { LRUCache } from 'lru-cache';
import { isBusy, newSlot, type RunSlot } from './run-slot';

/** Runs whose state is kept in memory when idle, by default (LEDGER_RUN_CACHE_RUNS). */
export const DEFAULT_CACHED_RUNS = 2_000;
/** Approximate memory the idle runs' states may take, by default (LEDGER_RUN_CACHE_MB). */
export const DEFAULT_CACHED_BYTES = 256 * 1024 * 1024;

/**
 * Durable revisions remembered of runs whose state left the cache (about 100 bytes each: some 10 MB at most), so
 * that read-your-writes (`knownVersion`) still holds for a run too large to keep, or evicted.
 */
export const MAX_REMEMBERED_VERSIONS = 100_000;

export interface RunStateCacheLimits {
  /** Idle runs kept at most. */
  readonly maxRuns?: number;
  /** Approximate bytes of idle runs' states kept at most (state-size); a larger state alone is not kept. */
  readonly maxBytes?: number;
}

/**
 * The writer's runs. A run with work (commands queued, decided, in flight or being recovered) is held apart and
 * never evicted, since its queue is what serialises the run; once idle it goes into an LRU cache (lru-cache) bounded
 * by count and by the approximate bytes of its state, and the least recently used idle runs leave it. A run that
 * leaves is read again from the log on its next command (from its first event: the owner check).
 */
export class RunStateCache {
  private readonly busy = new Map<string, RunSlot>();
  private readonly idle: LRUCache<string, RunSlot>;
  private readonly versions = new LRUCache<string, number>({ max: MAX_REMEMBERED_VERSIONS });
  /**
   * Runs this writer erased. No revision of them is known any more, and without this a read could not tell "erased
   * here" from "never written here", and would answer the rows the projector has not yet removed.
   */
  private readonly erasedRuns = new LRUCache<string, true>({ max: MAX_REMEMBERED_VERSIONS });

  constructor(limits: RunStateCacheLimits = {}) {
    this.idle = new LRUCache<string, RunSlot>({
      max: limits.maxRuns ?? DEFAULT_CACHED_RUNS,
      maxSize: limits.maxBytes ?? DEFAULT_CACHED_BYTES,
      // A run another instance writes keeps a second, durable state (`base`): it weighs twice.
      sizeCalculation: (slot) => Math.max(1, slot.base ? 2 * slot.bytes : slot.bytes),
      dispose: (slot, runId, reason) => {
        if (reason === 'evict') this.versions.set(runId, slot.durableVersion);
      },
    });
  }

  /** The run's slot, to give it work: out of the idle cache if it is there, a new one if not. */
  take(runId: string): RunSlot {
    let slot = this.busy.get(runId);
    if (slot) return slot;
    slot = this.idle.get(runId) ?? newSlot(runId);
    this.idle.delete(runId);
    this.busy.set(runId, slot);
    return slot;
  }

  /** The run's slot if the writer has it, without touching its recency. */
  peek(runId: string): RunSlot | undefined {
    return this.busy.get(runId) ?? this.idle.peek(runId);
  }

  /** The durable revision of a run this writer wrote or read (also once its state left the cache), or null. */
  knownVersion(runId: string): number | null {
    const slot = this.peek(runId);
    if (slot && slot.durableVersion >= 0) return slot.durableVersion;
    return this.versions.get(runId) ?? null;
  }

  /**
   * Called whenever a slot's work may have ended. An idle slot that holds a durable state goes into the LRU (sized
   * now); one that holds nothing (a command refused on another user's run, on a run that does not exist, or an
   * erased run) is dropped, so that such commands cannot push other runs' state out of the cache.
   */
  release(slot: RunSlot): void {
    if (isBusy(slot)) return;
    if (this.busy.get(slot.runId) === slot) this.busy.delete(slot.runId);
    else if (this.idle.peek(slot.runId) !== slot) return;
    if (slot.state && slot.durableVersion >= 0) {
      this.idle.set(slot.runId, slot);
      // Too large to keep alone: lru-cache does not store it.
      if (!this.idle.has(slot.runId)) this.versions.set(slot.runId, slot.durableVersion);
    } else this.idle.delete(slot.runId);
  }

  /** The run was erased: no revision of it is known any more (its slot holds nothing; `release` drops it). */
  forget(runId: string): void {
    this.versions.delete(runId);
    this.erasedRuns.set(runId, true);
  }

  /** Whether this writer erased the run (an erased run's id is never used again: its tombstone stays). */
  erased(runId: string): boolean {
    return this.erasedRuns.has(runId);
  }

  /** The slots with work. */
  working(): RunSlot[] {
    return [...this.busy.values()];
  }

  /** Idle runs kept, and the approximate bytes of their states. */
  get stats(): { idleRuns: number; idleBytes: number; busyRuns: number } {
    return { idleRuns: this.idle.size, idleBytes: this.idle.calculatedSize, busyRuns: this.busy.size };
  }
}
