import { LedgerError } from '@ledger/contract';
import { evolve, toRunStreamId, type RunEvent, type RunState } from '@ledger/domain';
import { StoreUnavailable, type EventStore, type StreamAppend } from '@ledger/event-store';
import { caughtUp, isRefusal, recoverSlot } from './run-recovery';
import {
  answer,
  cloneRunState,
  decideRequest,
  loadRunState,
  newSlot,
  toNewEvents,
  toWriteError,
  type Pending,
  type PricingFunctions,
  type RunSlot,
  type WriteRequest,
} from './run-slot';

export type { PricingFunctions, WriteRequest } from './run-slot';

export interface WriterOptions {
  /** How long the flusher waits to gather more commands before an append (ms). */
  readonly flushDelayMs?: number;
  /** Runs whose state is kept in memory. */
  readonly maxCachedRuns?: number;
  /**
   * Appends in flight at once, over disjoint runs (default 1). More raises ingest a little but delays projection:
   * a reader only sees a commit once every older append has committed (the gap-safe rule).
   */
  readonly maxInflight?: number;
  readonly onFlush?: (stats: { commands: number; events: number; streams: number; ms: number }) => void;
}

/**
 * The write side: one queue per run, its state cached in memory with its revision, and group commit.
 * A command is decided against the cached state (so its cost does not grow with the run), its events
 * join the run's pending batch, and one flusher appends every run's pending events in one transaction,
 * each stream at its expected revision. The ack is released only after the append returns.
 */
export class RunWriter {
  private readonly slots = new Map<string, RunSlot>();
  private readonly dirty = new Set<RunSlot>();
  /** Appends in flight, each over runs no other in-flight append touches. */
  private readonly inflight = new Set<Promise<void>>();
  private scheduled = false;
  private closed = false;
  private readonly flushDelayMs: number;
  private readonly maxCachedRuns: number;
  private readonly maxInflight: number;
  /** commandId → runId, to refuse a commandId reused on another run (bounded). */
  private readonly commandRuns = new Map<string, string>();

  constructor(
    private readonly store: EventStore,
    private readonly pricing: PricingFunctions,
    private readonly options: WriterOptions = {},
  ) {
    this.flushDelayMs = options.flushDelayMs ?? 1;
    this.maxCachedRuns = options.maxCachedRuns ?? 2000;
    this.maxInflight = options.maxInflight ?? 1;
  }

  submit(request: WriteRequest): Promise<unknown> {
    if (this.closed) return Promise.reject(new LedgerError('UNAVAILABLE', 'the ledger is shutting down'));
    const key = `${request.userId}/${request.commandId}`;
    const knownRun = this.commandRuns.get(key);
    if (knownRun !== undefined && knownRun !== request.runId)
      return Promise.reject(
        new LedgerError('CONFLICT', 'commandId was already used for a different command'),
      );
    const slot = this.slotOf(request.runId);
    slot.queued += 1;
    return new Promise((resolve, reject) => {
      const pending: Pending = { request, resolve, reject, events: [], ack: undefined };
      slot.chain = slot.chain
        .then(() => this.process(slot, pending))
        .catch(reject)
        .finally(() => {
          slot.queued -= 1;
          this.dropIfEmpty(slot);
        });
    });
  }

  /** The durable revision of a run this writer knows (for read-your-writes), or null. */
  knownVersion(runId: string): number | null {
    const slot = this.slots.get(runId);
    return slot && slot.durableVersion >= 0 ? slot.durableVersion : null;
  }

  /** Stops taking commands and waits until everything accepted is durable. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.slots.values()].map((s) => s.chain));
    while (this.dirty.size > 0 || this.inflight.size > 0)
      await (this.inflight.size > 0 ? Promise.race(this.inflight) : this.flush());
  }

  private slotOf(runId: string): RunSlot {
    let slot = this.slots.get(runId);
    if (slot) {
      this.slots.delete(runId);
      this.slots.set(runId, slot);
      return slot;
    }
    slot = newSlot(runId);
    this.slots.set(runId, slot);
    this.evictIdle();
    return slot;
  }

  private evictIdle(): void {
    if (this.slots.size <= this.maxCachedRuns) return;
    for (const [runId, slot] of this.slots) {
      if (this.slots.size <= this.maxCachedRuns) break;
      if (slot.unflushed.length === 0 && slot.flushing.length === 0 && !this.dirty.has(slot))
        this.slots.delete(runId);
    }
  }

  /**
   * A slot that holds nothing durable and has no work (a command refused on another user's run, or on a run that
   * does not exist) leaves the cache, so that such commands cannot push other runs' state out of it.
   */
  private async load(slot: RunSlot, userId: string): Promise<RunState> {
    if (slot.state) return slot.state;
    const state = slot.base ? cloneRunState(slot.base) : await loadRunState(this.store, slot.runId, userId);
    slot.state = state;
    slot.durableVersion = state.version;
    return state;
  }

  private dropIfEmpty(slot: RunSlot): void {
    if (slot.queued > 0 || slot.durableVersion >= 0) return;
    if (slot.unflushed.length > 0 || slot.flushing.length > 0 || this.dirty.has(slot)) return;
    if (this.slots.get(slot.runId) === slot) this.slots.delete(slot.runId);
  }

  private async process(slot: RunSlot, pending: Pending): Promise<void> {
    const { request } = pending;
    await this.recover(slot);
    const state = await this.load(slot, request.userId);
    let decision;
    try {
      decision = decideRequest(request, state, this.pricing);
    } catch (error) {
      // Refused against this instance's cache: another instance may have written the run since. Once what this
      // slot decided before is settled, read what the log holds beyond the cache, and decide again if it moved.
      if (!isRefusal(error, state)) throw error;
      await this.quiesce(slot);
      if (await caughtUp(this.store, slot)) return this.process(slot, pending);
      throw error;
    }
    // An append of this run failed while the state was loading: decide again against the recovered state.
    if (state !== slot.state || slot.recovering) return this.process(slot, pending);
    pending.ack = decision.ack;
    if (decision.events.length === 0) {
      // Nothing new (a retry, an exact repeat): answer once what came before it is durable.
      const before = slot.settled;
      void before.then(() => pending.resolve(pending.ack), pending.reject);
      return;
    }
    pending.events = toNewEvents(request, decision);

    if (decision.events[0].type === 'RunDeleted') {
      await this.quiesce(slot);
      await this.store.eraseStream(toRunStreamId(slot.runId), pending.events[0]);
      this.slots.delete(slot.runId);
      pending.resolve(pending.ack);
      return;
    }
    for (const e of pending.events) evolve(state, e as RunEvent);
    slot.unflushed.push(pending);
    slot.settled = new Promise<void>((resolve) => (pending.onSettled = resolve));
    this.dirty.add(slot);
    this.schedule();
  }

  /**
   * Waits until every command this slot decided has been through its append, recovering a failed one here (in the
   * slot's turn), so that the cached state is the durable one.
   */
  private async quiesce(slot: RunSlot): Promise<void> {
    while (slot.unflushed.length > 0 || slot.flushing.length > 0) {
      await new Promise<void>((resolve) => slot.afterAppend.push(resolve));
      await this.recover(slot);
    }
    await this.recover(slot);
  }

  /** Decides again, against the log, the commands of an append that failed (see `recoverSlot`). */
  private async recover(slot: RunSlot): Promise<void> {
    const redo = slot.recovering;
    if (!redo) return;
    slot.recovering = null;
    await recoverSlot(this.store, this.pricing, slot, redo);
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
      let results: Array<unknown>;
      try {
        results = await this.store.appendMany(appends);
      } catch (error) {
        results = appends.map(() => error);
      }
      this.options.onFlush?.({
        commands,
        events: appends.reduce((n, a) => n + a.events.length, 0),
        streams: slots.length,
        ms: Date.now() - started,
      });
      slots.forEach((slot, i) => this.settle(slot, results[i]));
    })().finally(() => {
      this.inflight.delete(append);
      if (this.dirty.size > 0) this.schedule(true);
    });
    this.inflight.add(append);
    if (this.dirty.size > 0) this.schedule();
    return append;
  }

  private settle(slot: RunSlot, result: unknown): void {
    const done = slot.flushing;
    slot.flushing = [];
    const waiting = slot.afterAppend;
    slot.afterAppend = [];
    if (!(result instanceof Error)) {
      slot.durableVersion = (result as { nextRevision: number }).nextRevision;
      if (slot.base) for (const p of done) for (const e of p.events) evolve(slot.base, e as RunEvent);
      for (const p of done) {
        this.remember(p.request);
        answer(p, undefined, p.ack);
      }
    } else {
      // The batch failed: the cached state includes events that are not durable. The failed commands and every
      // later one are decided again against the log, in the slot's next turn (`recover`).
      const redo = [...done, ...slot.unflushed];
      slot.unflushed = [];
      slot.state = null;
      this.dirty.delete(slot);
      if (result instanceof StoreUnavailable) for (const p of redo) answer(p, toWriteError(result));
      else {
        slot.recovering = [...(slot.recovering ?? []), ...redo];
        slot.chain = slot.chain.then(() => this.recover(slot));
      }
    }
    for (const resolve of waiting) resolve();
  }

  private remember(request: WriteRequest): void {
    const key = `${request.userId}/${request.commandId}`;
    this.commandRuns.set(key, request.runId);
    if (this.commandRuns.size > 200_000) {
      const oldest = this.commandRuns.keys().next().value;
      if (oldest !== undefined) this.commandRuns.delete(oldest);
    }
  }
}
