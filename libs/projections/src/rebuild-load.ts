import type { Pool } from 'pg';
import type { RunView, TaskView } from '@ledger/contract';
import { withTransaction } from '@ledger/database';
import { toRunStreamId } from '@ledger/domain';
import { comparePositions, type EventStore, type GlobalPosition } from '@ledger/event-store';
import { attempt, isDataError, writablePrefix } from './batch-writer';
import { SHADOW_TABLES, type Queryable } from './projector.sql';
import { copyRuns, copyTasks } from './rebuild-copy';
import { createShadowIndexes, type ShadowIndex } from './rebuild-indexes';
import type { ResidentRuns } from './rebuild-resident';
import { diffBatch, type FoldedBatch, type RunFailure, type UsageAccumulator } from './run-view.batch';
import type { FoldScratch, RunViewModel } from './run-view.fold';
import type { ShareLog } from './shares.projection';

/** The rebuild's fold state, and how it is written to the shadow tables (in bulk, or run by run when refused). */

/** A value PostgreSQL refused after views were dropped from memory: the rebuild starts again keeping them all. */
export class RefusedAfterEviction extends Error {}

/** The fold of the whole log so far: views, the runs it stopped (and so passes over), the skipped events. */
export interface FoldState {
  readonly views: Map<string, RunViewModel | null>;
  readonly failures: Map<string, RunFailure>;
  readonly blocked: Set<string>;
  readonly skipped: ReadonlySet<string>;
  readonly scratch: FoldScratch;
  /** The log's share events (and erasures of shared runs), for `run_shares` (shares.projection.ts). */
  readonly shares: ShareLog;
  /** Which views are in memory, and which were written and dropped. */
  readonly resident: ResidentRuns;
}

/**
 * Writes views dropped from memory to the (not yet indexed) shadow tables, with their runs' search documents, and
 * counts their usage (at once, before the first await).
 */
export async function flushViews(
  pool: Pool,
  views: ReadonlyArray<RunViewModel | null>,
  usage: UsageAccumulator,
): Promise<void> {
  const runs: RunView[] = [];
  const tasks: TaskView[] = [];
  for (const view of views) {
    if (!view) continue;
    runs.push(view.run);
    for (const task of view.tasks.values()) {
      tasks.push(task);
      usage.add(task, 1);
    }
  }
  try {
    await writeRunsAndTasks(pool, runs, tasks);
  } catch (error) {
    if (isDataError(error)) throw new RefusedAfterEviction('a value was refused after views were dropped');
    throw error;
  }
}

/**
 * Runs (with their documents) and tasks by COPY (rebuild-copy.ts), on two connections at once: PostgreSQL parses
 * and inserts each on a core. Both are let finish before a failure is thrown, so nothing is still writing when the
 * caller clears the tables.
 */
async function writeRunsAndTasks(
  pool: Pool,
  runs: readonly RunView[],
  tasks: readonly TaskView[],
): Promise<void> {
  const results = await Promise.allSettled([copyRuns(pool, runs), copyTasks(pool, tasks)]);
  for (const result of results) if (result.status === 'rejected') throw result.reason;
}

/**
 * The rebuild's writes of dropped views, behind its fold: at most `depth` in flight. `start` waits for the oldest
 * when that many are (and throws its failure), starts the next and returns without waiting for it, so the fold goes
 * on while PostgreSQL writes. A 1M-event rebuild waited 3.3 s of its 11.4 s fold for these writes with none behind
 * it (finding 26), and 1.8-2.0 s of 8.7 s with one (finding 35).
 */
export class WriteBehind {
  private readonly inFlight: Array<Promise<void>> = [];

  constructor(private readonly depth = 1) {}

  async start(write: () => Promise<void>): Promise<void> {
    while (this.inFlight.length >= this.depth) await this.inFlight.shift();
    const next = write();
    next.catch(() => undefined); // awaited by a later start or by settled(); a failure is thrown there
    this.inFlight.push(next);
  }

  /** Waits for every write in flight; throws the first failure (after all have ended). */
  async settled(): Promise<void> {
    const results = await Promise.allSettled(this.inFlight.splice(0));
    for (const result of results) if (result.status === 'rejected') throw result.reason;
  }
}

/** Runs the load writes a group at a time, as many as the fold's flushes write (FLUSH_RUNS, rebuild-resident.ts). */
const LOAD_GROUP_RUNS = 500;

/**
 * The views still in memory after the fold, written in groups of LOAD_GROUP_RUNS runs, `inFlight` groups at once
 * (each on two connections, as the fold's flushes). Written as one group, the last ~1,000 runs of a 1M-event rebuild
 * waited for one PostgreSQL backend to insert every run and its search document while the other core and node sat
 * idle; in groups, node makes the next group's rows while PostgreSQL inserts two on both cores.
 */
async function writeInGroups(
  pool: Pool,
  views: ReadonlyArray<RunViewModel | null>,
  inFlight: number,
): Promise<void> {
  const writes = new WriteBehind(inFlight);
  try {
    for (let i = 0; i < views.length; i += LOAD_GROUP_RUNS) {
      const runs: RunView[] = [];
      const tasks: TaskView[] = [];
      for (const view of views.slice(i, i + LOAD_GROUP_RUNS)) {
        if (!view) continue;
        runs.push(view.run);
        for (const task of view.tasks.values()) tasks.push(task);
      }
      await writes.start(() => writeRunsAndTasks(pool, runs, tasks));
    }
  } catch (error) {
    // Every group ended before the failure is thrown: the caller may truncate what would still be written.
    await writes.settled().catch(() => undefined);
    throw error;
  }
  await writes.settled();
}

export function merge(fold: FoldState, folded: FoldedBatch): void {
  for (const [runId, view] of folded.after) fold.views.set(runId, view);
  for (const [runId, failure] of folded.failures) {
    fold.failures.set(runId, failure);
    fold.blocked.add(runId);
  }
  for (const runId of folded.released) {
    fold.failures.delete(runId);
    fold.blocked.delete(runId);
  }
}

/**
 * Bulk-loads the views (with their search documents); when PostgreSQL refuses a value, loads again one run at a time
 * (indexed first, for the upserts; no documents) and stops each refused run at its longest writable prefix. Returns
 * whether it did: the indexes then exist, and the documents are to be made again from the runs.
 */
export async function load(
  store: EventStore,
  pool: Pool,
  fold: FoldState,
  position: GlobalPosition | null,
  indexes: readonly ShadowIndex[],
  writesInFlight: number,
): Promise<boolean> {
  const q = pool as Queryable;
  try {
    await writeInGroups(pool, [...fold.views.values()], writesInFlight);
    return false;
  } catch (error) {
    if (!isDataError(error)) throw error;
    if (fold.resident.evictedAny)
      throw new RefusedAfterEviction('a value was refused after views were dropped');
  }
  await q.query(`TRUNCATE ${SHADOW_TABLES.runs}, ${SHADOW_TABLES.tasks}`);
  await createShadowIndexes(q, indexes);
  await withTransaction(pool, async (c) => {
    for (const [runId, view] of fold.views) {
      if (!view) continue;
      const one: FoldedBatch = {
        after: new Map([[runId, view]]),
        changedTasks: new Map([[runId, new Set(view.tasks.keys())]]),
        applied: new Map(),
        failures: new Map(),
        released: new Set(),
      };
      const base = new Map([[runId, null]]);
      const error = await attempt(c, SHADOW_TABLES, diffBatch(base, one), true);
      if (error === null) continue;
      const stop = fold.failures.get(runId)?.event.revision ?? Infinity;
      const events = (await store.readStream(toRunStreamId(runId))).filter(
        (e) =>
          position !== null &&
          comparePositions(e.position, position) <= 0 &&
          e.revision < stop &&
          !fold.skipped.has(e.id),
      );
      const prefix = await writablePrefix(c, SHADOW_TABLES, runId, null, events, error);
      fold.views.set(runId, prefix.view);
      fold.failures.set(runId, prefix.failure);
      fold.blocked.add(runId);
    }
  });
  return true;
}
