import type { AppendResult, EventStore, StreamAppend } from '@ledger/event-store';
import { toRunStreamId } from '@ledger/domain';
import type { RunSlot } from './run-slot';

export interface GroupCommitOptions {
  /** How long the flusher waits to gather more commands before an append (ms). */
  readonly flushDelayMs?: number;
  /**
   * Appends in flight at once, over disjoint runs (default 1). More raises ingest a little but delays projection:
   * a reader only sees a commit once every older append has committed (the gap-safe rule).
   */
  readonly maxInflight?: number;
  readonly onFlush?: (stats: { commands: number; events: number; streams: number; ms: number }) => void;
}

/** What came of one run's part of an append: its new revision, or why it failed. */
export type AppendOutcome = AppendResult | Error;

/**
 * Group commit: every run with decided commands waits here, and one flusher appends the pending events of all of
 * them in one store call (`appendMany`: one transaction where the store allows it), each stream at its expected
 * revision, then hands each run its own outcome (`settle`), so one stream's conflict does not fail the others.
 */
export class GroupCommitter {
  private readonly dirty = new Set<RunSlot>();
  /** Appends in flight, each over runs no other in-flight append touches. */
  private readonly inflight = new Set<Promise<void>>();
  private scheduled = false;
  private readonly flushDelayMs: number;
  private readonly maxInflight: number;

  constructor(
    private readonly store: EventStore,
    private readonly settle: (slot: RunSlot, outcome: AppendOutcome) => void,
    private readonly options: GroupCommitOptions = {},
  ) {
    this.flushDelayMs = options.flushDelayMs ?? 1;
    this.maxInflight = options.maxInflight ?? 1;
  }

  /** A run whose `unflushed` commands are ready for the next append. */
  add(slot: RunSlot): void {
    this.dirty.add(slot);
    this.schedule();
  }

  /** A run whose pending commands were taken back (its append failed: they are decided again). */
  remove(slot: RunSlot): void {
    this.dirty.delete(slot);
  }

  /** Waits until every run added has been through its append. */
  async drain(): Promise<void> {
    while (this.dirty.size > 0 || this.inflight.size > 0)
      await (this.inflight.size > 0 ? Promise.race(this.inflight) : this.flush());
  }

  /**
   * Plans the next append. From idle it waits `flushDelayMs` so that commands arriving together share it; right
   * after an append it goes at once, since what queued during that append is already the next batch.
   */
  private schedule(afterAppend = false): void {
    if (this.scheduled || this.inflight.size >= this.maxInflight) return;
    this.scheduled = true;
    const run = () => {
      this.scheduled = false;
      void this.flush();
    };
    if (this.flushDelayMs > 0 && !afterAppend) setTimeout(run, this.flushDelayMs);
    else setImmediate(run);
  }

  /**
   * Appends the pending events of every dirty run that has no append in flight, in one store call. Up to
   * `maxInflight` of these run at once (over disjoint runs), so the server folds and encodes the next batch
   * while PostgreSQL commits the previous one.
   */
  private flush(): Promise<void> {
    const slots = [...this.dirty].filter((slot) => slot.flushing.length === 0);
    if (slots.length === 0) return Promise.resolve();
    const appends: StreamAppend[] = [];
    for (const slot of slots) {
      this.dirty.delete(slot);
      slot.flushing = slot.unflushed;
      slot.unflushed = [];
      appends.push({
        streamId: toRunStreamId(slot.runId),
        expectedRevision: slot.durableVersion,
        events: slot.flushing.flatMap((p) => p.events),
      });
    }
    const started = Date.now();
    const commands = slots.reduce((n, s) => n + s.flushing.length, 0);
    const append: Promise<void> = (async () => {
      let outcomes: AppendOutcome[];
      try {
        outcomes = await this.store.appendMany(appends);
      } catch (error) {
        const failure = error instanceof Error ? error : new Error(String(error));
        outcomes = appends.map(() => failure);
      }
      this.options.onFlush?.({
        commands,
        events: appends.reduce((n, a) => n + a.events.length, 0),
        streams: slots.length,
        ms: Date.now() - started,
      });
      slots.forEach((slot, i) => this.settle(slot, outcomes[i]));
    })().finally(() => {
      this.inflight.delete(append);
      if (this.dirty.size > 0) this.schedule(true);
    });
    this.inflight.add(append);
    if (this.dirty.size > 0) this.schedule();
    return append;
  }
}
