import { ledgerErrors } from '@ledger/contract';
import {
  evolve,
  handle,
  isErasure,
  type Handled,
  type PricingFunctions,
  type RunState,
} from '@ledger/domain';
import { StoreUnavailable, type EventStore } from '@ledger/event-store';
import { loadRunState, writeHandled } from '@ledger/operations';
import { CommandRuns } from './command-runs';
import { GroupCommitter, type AppendOutcome, type GroupCommitOptions } from './group-committer';
import { caughtUp, isRefusal, recoverSlot } from './run-recovery';
import {
  adoptState,
  answer,
  cloneRunState,
  forgetState,
  type Pending,
  type RunSlot,
  type WriteRequest,
} from './run-slot';
import { RunStateCache, type RunStateCacheLimits } from './run-state-cache';
import { eventBytes } from './state-size';
import { toWriteError } from './write-errors';

export type { PricingFunctions } from '@ledger/domain';
export type { WriteRequest } from './run-slot';

export interface WriterOptions extends GroupCommitOptions {
  /** Idle runs whose state is kept in memory (default 2000). */
  readonly maxCachedRuns?: RunStateCacheLimits['maxRuns'];
  /** Approximate bytes the idle runs' states may take (default 256 MiB). */
  readonly maxCachedBytes?: RunStateCacheLimits['maxBytes'];
}

/**
 * The server's write side: one queue per run, the run's state cached with its revision (RunStateCache), every
 * command `handle`d against it (the one decider path, shared with the CLI), and group commit (GroupCommitter).
 * A command's cost does not grow with the run; its ack is released only once its events are durable. A conflict
 * (another instance appended) is recovered in the run's turn (run-recovery), under the one conflict retry.
 */
export class RunWriter {
  private readonly cache: RunStateCache;
  private readonly committer: GroupCommitter;
  /** commandId → runId, to refuse a commandId reused on another run (bounded). */
  private readonly commandRuns = new CommandRuns();
  private closed = false;

  constructor(
    private readonly store: EventStore,
    private readonly pricing: PricingFunctions,
    options: WriterOptions = {},
  ) {
    this.cache = new RunStateCache({ maxRuns: options.maxCachedRuns, maxBytes: options.maxCachedBytes });
    this.committer = new GroupCommitter(store, (slot, outcome) => this.settle(slot, outcome), options);
  }

  submit(request: WriteRequest): Promise<unknown> {
    if (this.closed) return Promise.reject(ledgerErrors.shuttingDown());
    if (this.commandRuns.usedElsewhere(request))
      return Promise.reject(ledgerErrors.commandIdReused(request.commandId));
    const slot = this.cache.take(request.runId);
    slot.queued += 1;
    return new Promise((resolve, reject) => {
      const pending: Pending = { request, resolve, reject, events: [], ack: undefined };
      slot.chain = slot.chain
        .then(() => this.process(slot, pending))
        .catch(reject)
        .finally(() => {
          slot.queued -= 1;
          this.cache.release(slot);
        });
    });
  }

  /** The durable revision of a run this writer knows (for read-your-writes), or null. */
  knownVersion(runId: string): number | null {
    return this.cache.knownVersion(runId);
  }

  /** Whether this writer erased the run (`run.delete` acknowledged): its rows may not be removed yet. */
  erased(runId: string): boolean {
    return this.cache.erased(runId);
  }

  /** Stops taking commands and waits until everything accepted is durable. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.cache.working().map((s) => s.chain));
    await this.committer.drain();
  }

  /** Cache occupancy, for metrics and tests. */
  get cacheStats() {
    return this.cache.stats;
  }

  private async load(slot: RunSlot, userId: string): Promise<RunState> {
    if (slot.state) return slot.state;
    const state = slot.base ? cloneRunState(slot.base) : await loadRunState(this.store, slot.runId, userId);
    adoptState(slot, state);
    return state;
  }

  private async process(slot: RunSlot, pending: Pending): Promise<void> {
    const { request } = pending;
    await this.recover(slot);
    const state = await this.load(slot, request.userId);
    let handled: Handled;
    try {
      handled = handle(state, request, this.pricing);
    } catch (error) {
      // Refused against this instance's cache: another instance may have written the run since. Once what this
      // slot decided before is settled, read what the log holds beyond the cache, and decide again if it moved —
      // or if the state was replaced meanwhile: an append of this slot that failed while it settled was recovered
      // from the log, which may hold what the refusal lacked (another instance's write of the same run).
      if (!isRefusal(error, state)) throw error;
      await this.quiesce(slot);
      if ((await caughtUp(this.store, slot)) || slot.state !== state) return this.process(slot, pending);
      throw error;
    }
    // An append of this run failed while the state was loading: decide again against the recovered state.
    if (state !== slot.state || slot.recovering) return this.process(slot, pending);
    pending.ack = handled.ack;
    if (handled.events.length === 0) {
      // Nothing new (a retry, an exact repeat): answer once what came before it is durable.
      const before = slot.settled;
      void before.then(() => pending.resolve(pending.ack), pending.reject);
      return;
    }
    pending.events = handled.events;
    if (isErasure(handled.events)) {
      // Erasing is not appending: once what the run had decided is durable, the stream keeps the tombstone alone.
      await this.quiesce(slot);
      await writeHandled(this.store, slot.runId, slot.durableVersion, handled.events);
      forgetState(slot);
      this.cache.forget(slot.runId);
      pending.resolve(pending.ack);
      return;
    }
    for (const e of handled.events) {
      evolve(state, e);
      slot.bytes += eventBytes(e);
    }
    slot.unflushed.push(pending);
    slot.settled = new Promise<void>((resolve) => (pending.onSettled = resolve));
    this.committer.add(slot);
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
    this.cache.release(slot);
  }

  /** A run's part of a group commit came back: answer its commands, or have them decided again. */
  private settle(slot: RunSlot, outcome: AppendOutcome): void {
    const done = slot.flushing;
    slot.flushing = [];
    const waiting = slot.afterAppend;
    slot.afterAppend = [];
    if (!(outcome instanceof Error)) {
      slot.durableVersion = outcome.nextRevision;
      if (slot.base) for (const p of done) for (const e of p.events) evolve(slot.base, e);
      for (const p of done) {
        this.commandRuns.remember(p.request);
        answer(p, undefined, p.ack);
      }
    } else {
      // The batch failed: the cached state includes events that are not durable. The failed commands and every
      // later one are decided again against the log, in the slot's next turn (`recover`).
      const redo = [...done, ...slot.unflushed];
      slot.unflushed = [];
      slot.state = null;
      this.committer.remove(slot);
      if (outcome instanceof StoreUnavailable) for (const p of redo) answer(p, toWriteError(outcome));
      else {
        slot.recovering = [...(slot.recovering ?? []), ...redo];
        slot.chain = slot.chain.then(() => this.recover(slot));
      }
    }
    for (const resolve of waiting) resolve();
    this.cache.release(slot);
  }
}
