import type { Pool, PoolClient } from 'pg';
import { withTransaction, type Transaction } from '@ledger/database';
import type { ProjectionStatus, RunView, TaskView } from '@ledger/contract';
import {
  comparePositions,
  positionToString,
  type AllBatch,
  type EventStore,
  type Subscription,
  type GlobalPosition,
  type RecordedEvent,
} from '@ledger/event-store';
import { foldBatch, runIdOf, type RowChanges, type TextAppend } from './run-view.batch';
import type { RunViewModel } from './run-view.fold';
import { Lru } from './lru';
import { NeedsSavepoints, sendAtOnce, writeFolded } from './batch-writer';
import { StatementBatch } from './statement-batch';
import {
  beginLockingCheckpoint,
  ensureCheckpoint,
  LIVE_TABLES,
  lockedCheckpoint,
  loadViews,
  readCheckpoint,
  markStalled,
  setCheckpointState,
  writeCheckpoint,
  type Queryable,
} from './projector.sql';
import {
  bumpEpoch,
  quarantineRuns,
  readQuarantine,
  readSkipped,
  releaseRuns,
  toQuarantined,
  type QuarantinedRun,
} from './quarantine.sql';
import { projectionStatus } from './status';
import { projectShares, shareEvents } from './shares.projection';

export interface ProjectorChange {
  /** Every run the batch touched, deleted ones included (those are absent from `runs`). */
  readonly runIds: string[];
  readonly runs: RunView[];
  readonly tasks: TaskView[];
  /**
   * Tasks in `tasks` whose text the batch only appended to, by id: their text before it and what it added. A
   * listener that keeps the texts can take these instead of reading every streaming task's whole text per batch.
   */
  readonly textAppends?: ReadonlyMap<string, TextAppend>;
}

export interface ProjectorLogger {
  log(message: string): void;
  error(message: string, error?: unknown): void;
}

export interface ProjectorOptions {
  readonly store: EventStore;
  readonly pool: Pool;
  readonly name?: string;
  readonly batchSize?: number;
  /** The shortest time between the starts of two batches (default 0: SubscribeOptions.minBatchIntervalMs). */
  readonly minBatchIntervalMs?: number;
  /** Views of active runs kept in memory (default 10 000). */
  readonly cacheSize?: number;
  readonly logger?: ProjectorLogger;
  /** Test hook: runs inside the batch transaction just before COMMIT (throw to simulate a crash). */
  readonly beforeCommit?: (client: PoolClient) => Promise<void> | void;
}

interface Waiter {
  position: GlobalPosition;
  resolve: () => void;
}

const silent: ProjectorLogger = { log: () => undefined, error: () => undefined };

interface Applied {
  checkpoint: GlobalPosition | null;
  change: ProjectorChange;
  after: Map<string, RunViewModel | null>;
  quarantined: QuarantinedRun[];
  released: string[];
  epoch: string | null;
}

/**
 * The live projector: a catch-up subscription to the whole log; each batch is folded with `evolveRunView` over
 * the views of the runs it touches and written in ONE transaction with the checkpoint. The checkpoint row is
 * locked first, so a rebuild that swapped the tables meanwhile is noticed (the cache is dropped and the events
 * the rebuild already applied are skipped).
 *
 * An event that cannot be applied (the fold refuses it, or PostgreSQL refuses a value of its view) stops its run
 * only: the run is quarantined in the same transaction (its rows marked, the event, position and error
 * recorded), its later events are passed over, and every other run goes on. `retryQuarantined` (an operator,
 * after a fix) folds it again from its stream.
 */
export class Projector {
  readonly name: string;
  private readonly store: EventStore;
  private readonly pool: Pool;
  private readonly batchSize: number;
  private readonly logger: ProjectorLogger;
  private readonly cache: Lru<string, RunViewModel>;
  private readonly listeners = new Set<(change: ProjectorChange) => void>();
  private waiters: Waiter[] = [];
  private subscription: Subscription | null = null;
  private committed: GlobalPosition | null = null;
  private quarantined = new Set<string>();
  private skipped = new Set<string>();
  private epoch: string | null = null;
  /** The error of the batch that keeps failing (not a run's data: the database is away…), until one commits. */
  private stall: string | null = null;

  constructor(private readonly options: ProjectorOptions) {
    this.store = options.store;
    this.pool = options.pool;
    this.name = options.name ?? 'runs';
    this.batchSize = options.batchSize ?? 1000;
    this.logger = options.logger ?? silent;
    this.cache = new Lru(options.cacheSize ?? 10_000);
  }

  async start(): Promise<void> {
    if (this.subscription) return;
    await ensureCheckpoint(this.pool as Queryable, this.name);
    const checkpoint = await readCheckpoint(this.pool as Queryable, this.name);
    if (checkpoint?.state === 'failed' || checkpoint?.state === 'stalled')
      this.logger.log(`projection ${this.name}: retrying after: ${checkpoint.error}`);
    await setCheckpointState(this.pool as Queryable, this.name, 'running');
    this.committed = checkpoint?.position ?? null;
    this.epoch = null; // read the quarantine with the first batch
    this.stall = null;
    this.cache.clear();
    this.subscription = this.store.subscribeToAll(this.committed, (batch) => this.handle(batch), {
      batchSize: this.batchSize,
      minBatchIntervalMs: this.options.minBatchIntervalMs,
      onError: (error) => this.stalled(error),
    });
  }

  /** Stops after the batch in progress is committed. */
  async stop(): Promise<void> {
    const s = this.subscription;
    this.subscription = null;
    await s?.stop();
  }

  onCommit(listener: (change: ProjectorChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves once the committed checkpoint is at or past `position` (a quarantined run's events count as passed). */
  waitFor(position: GlobalPosition): Promise<void> {
    if (this.committed && comparePositions(this.committed, position) >= 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ position, resolve }));
  }

  async status(): Promise<ProjectionStatus[]> {
    return [
      await projectionStatus(this.store, this.pool, this.name, {
        subscribed: this.subscription !== null,
        stall: this.stall,
        batchSize: this.batchSize,
      }),
    ];
  }

  private stalled(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    const first = this.stall === null;
    this.stall = message;
    if (first) this.logger.error(`projection ${this.name}: batch failed, retrying`, error);
    // Told to other processes too (`ledger projections status`); the next commit sets `running` again.
    void markStalled(this.pool as Queryable, this.name, this.committed, message).catch(() => undefined);
  }

  /**
   * A batch is first written without savepoints (one round trip per table); only when PostgreSQL refuses a value
   * is the transaction rolled back and the same batch written again run by run behind savepoints.
   */
  private async handle(batch: AllBatch): Promise<void> {
    try {
      await this.handleOnce(batch, false);
    } catch (error) {
      if (!(error instanceof NeedsSavepoints)) throw error;
      await this.handleOnce(batch, true);
    }
  }

  private async handleOnce(batch: AllBatch, careful: boolean): Promise<void> {
    const work = async (client: PoolClient, transaction: Transaction) => {
      const stored = lockedCheckpoint(transaction.begun);
      const storedPosition = stored?.position ?? null;
      if (!samePosition(storedPosition, this.committed)) {
        // The tables were rebuilt (or moved) under us: forget cached views, skip what is already applied.
        this.logger.log(
          `projection ${this.name}: checkpoint moved to ${positionToString(storedPosition)}, reloading`,
        );
        this.cache.clear();
        this.committed = storedPosition;
      }
      const epoch = stored?.quarantineEpoch ?? null;
      const reload = epoch !== this.epoch;
      const quarantined = reload
        ? new Set((await readQuarantine(client as Queryable, this.name)).map((r) => r.runId))
        : this.quarantined;
      const skipped = reload ? await readSkipped(client as Queryable, this.name) : this.skipped;
      if (reload) this.cache.clear(); // an operator's retry or skip, or a rebuild, rewrote some runs
      const from = this.committed;
      const events = batch.events.filter(
        (e) => runIdOf(e) !== null && (!from || comparePositions(e.position, from) > 0),
      );
      // Without a hook to run before it, COMMIT goes with the batch's writes: one round trip fewer.
      const hook = this.options.beforeCommit;
      const result = await this.apply(client, events, batch.checkpoint, from, quarantined, skipped, {
        careful,
        commit: hook ? null : transaction,
      });
      await hook?.(client);
      return { result, quarantined, skipped, epoch };
    };
    // The transaction opens with its checkpoint locked, in one round trip: on a busy server each round trip of a
    // batch also waits its turn on the event loop, and that wait, not PostgreSQL, was most of a batch's time.
    const { result, quarantined, skipped, epoch } = await withTransaction(this.pool, work, {
      begin: beginLockingCheckpoint(this.name),
    });
    this.quarantined = quarantined;
    this.skipped = skipped;
    this.epoch = result.epoch ?? epoch;
    for (const [runId, view] of result.after) {
      if (view) this.cache.set(runId, view);
      else this.cache.delete(runId);
    }
    for (const q of result.quarantined) {
      this.quarantined.add(q.runId);
      this.cache.delete(q.runId);
      this.logger.error(
        `projection ${this.name}: run ${q.runId} quarantined at ${positionToString(q.position)} (${q.eventType}@${q.revision}): ${q.error}`,
      );
    }
    for (const runId of result.released) this.quarantined.delete(runId);
    this.committed = result.checkpoint;
    this.stall = null;
    this.settleWaiters();
    if (result.change.runIds.length)
      for (const listener of this.listeners) this.safely(() => listener(result.change));
  }

  private async apply(
    client: PoolClient,
    events: readonly RecordedEvent[],
    batchEnd: GlobalPosition,
    from: GlobalPosition | null,
    quarantined: ReadonlySet<string>,
    skipped: ReadonlySet<string>,
    how: { careful: boolean; commit: Transaction | null },
  ): Promise<Applied> {
    const { careful, commit } = how;
    const runIds = new Set<string>();
    for (const e of events) {
      const runId = runIdOf(e)!;
      // A quarantined run's rows are only needed when the batch erases it.
      if (!quarantined.has(runId) || e.type === 'RunDeleted') runIds.add(runId);
    }
    const base = new Map<string, RunViewModel | null>();
    const missing: string[] = [];
    for (const id of runIds) {
      const cached = this.cache.get(id);
      if (cached) base.set(id, cached);
      else missing.push(id);
    }
    for (const [id, view] of await loadViews(client as Queryable, LIVE_TABLES, missing)) base.set(id, view);

    const folded = foldBatch(base, events, { quarantined, skipped });
    // The usual batch: rows, shares and checkpoint go in one round trip, with no savepoint (a refused value
    // rolls the transaction back: NeedsSavepoints). `careful`: the same, one statement at a time, behind savepoints.
    const batch = careful ? null : new StatementBatch(client as Queryable);
    const q = batch ?? (client as Queryable);
    const written = await writeFolded(q, LIVE_TABLES, base, folded, { atOnce: !careful });
    await projectShares(q, shareEvents(events, skipped));
    const failed = [...written.folded.failures].map(([runId, f]) => toQuarantined(runId, f));
    const released = [...written.folded.released];
    let epoch: string | null = null;
    if (failed.length || released.length) {
      if (batch) await sendAtOnce(batch);
      await quarantineRuns(client as Queryable, this.name, LIVE_TABLES, failed);
      await releaseRuns(client as Queryable, this.name, released);
      epoch = await bumpEpoch(client as Queryable, this.name);
    }
    const checkpoint = from && comparePositions(from, batchEnd) > 0 ? from : batchEnd;
    await writeCheckpoint(q, this.name, checkpoint, 'running');
    if (batch) {
      if (commit) {
        await batch.query('COMMIT');
        commit.committed();
      }
      await sendAtOnce(batch);
    }
    return {
      checkpoint,
      change: this.change(written.folded.after, written.changes),
      after: written.folded.after,
      quarantined: failed,
      released,
      epoch,
    };
  }

  private change(after: Map<string, RunViewModel | null>, changes: RowChanges): ProjectorChange {
    return {
      runIds: [...after.keys()],
      runs: changes.runs,
      tasks: changes.tasks,
      textAppends: changes.textAppends,
    };
  }

  private settleWaiters(): void {
    const pending: Waiter[] = [];
    for (const w of this.waiters) {
      if (this.committed && comparePositions(this.committed, w.position) >= 0) w.resolve();
      else pending.push(w);
    }
    this.waiters = pending;
  }

  private safely(fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.logger.error(`projection ${this.name}: a commit listener threw`, error);
    }
  }
}

function samePosition(a: GlobalPosition | null, b: GlobalPosition | null): boolean {
  if (!a || !b) return a === b;
  return comparePositions(a, b) === 0;
}
