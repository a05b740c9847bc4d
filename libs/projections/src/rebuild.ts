import type { Pool } from 'pg';
import { withTransaction } from '@ledger/database';
import { toRunStreamId } from '@ledger/domain';
import { comparePositions, type EventStore, type GlobalPosition } from '@ledger/event-store';
import { diffBatch, foldBatch, UsageAccumulator, type FoldedBatch, type RunFailure } from './run-view.batch';
import type { FoldScratch, RunViewModel } from './run-view.fold';
import type { RunView, TaskView } from '@ledger/contract';
import { attempt, isDataError, writablePrefix, writeFolded } from './batch-writer';
import {
  ensureCheckpoint,
  insertUsage,
  LIVE_TABLES,
  readCheckpoint,
  SHADOW_TABLES,
  writeCheckpoint,
  writeRuns,
  writeTasks,
  type Queryable,
} from './projector.sql';
import {
  bumpEpoch,
  clearQuarantine,
  markRows,
  quarantineRuns,
  readSkipped,
  toQuarantined,
} from './quarantine.sql';
import { replaceShares, ShareLog } from './shares.projection';
import { createShadowIndexes, renameShadowIndexes, shadowIndexes, type ShadowIndex } from './rebuild-indexes';

export interface RebuildOptions {
  readonly store: EventStore;
  readonly pool: Pool;
  readonly name?: string;
  /** Events read per page of the log (default 5000). */
  readonly pageSize?: number;
  readonly onProgress?: (done: number, total: number) => void;
}

export interface RebuildResult {
  readonly name: string;
  readonly events: number;
  readonly ms: number;
  /** Runs quarantined by the rebuilt projection. */
  readonly quarantined: number;
}

/**
 * Rebuilds the read models without downtime: folds the whole log in memory (pages of `pageSize`), loads shadow
 * tables with large multi-row inserts, builds their indexes, catches up to the head, then in ONE transaction
 * locks the live tables and the checkpoint, applies the last delta, swaps the tables and sets the checkpoint.
 * Readers read the old tables until that commit. A live projector notices the moved checkpoint and reloads.
 *
 * A run the live projector would quarantine is quarantined here too, at the same event (the fold stops it, or a
 * value PostgreSQL refuses: its run is then written alone, at its longest writable prefix), and the skipped
 * events are left out: the rebuilt rows and quarantine are the live projection's.
 */
export async function rebuild(options: RebuildOptions): Promise<RebuildResult> {
  const { store, pool } = options;
  const name = options.name ?? 'runs';
  const pageSize = options.pageSize ?? 5000;
  const started = Date.now();
  const q = pool as Queryable;
  await dropShadowTables(q);
  const indexes = await shadowIndexes(q);
  try {
    for (const table of Object.keys(LIVE_TABLES) as Array<keyof typeof LIVE_TABLES>)
      await q.query(`CREATE TABLE ${SHADOW_TABLES[table]} (LIKE ${LIVE_TABLES[table]} INCLUDING DEFAULTS)`);
    const fold: FoldState = {
      views: new Map(),
      failures: new Map(),
      blocked: new Set(),
      skipped: await readSkipped(q, name),
      scratch: new WeakSet(), // every view here is made by this fold
      shares: new ShareLog(),
    };

    // 1. The whole log, folded in memory.
    const total = await store.countAfter(null, Number.MAX_SAFE_INTEGER);
    let position: GlobalPosition | null = null;
    let done = 0;
    for (;;) {
      const page = await store.readAll(position, pageSize);
      if (page.length === 0) break;
      fold.shares.add(page, fold.skipped);
      merge(
        fold,
        foldBatch(fold.views, page, {
          quarantined: fold.blocked,
          skipped: fold.skipped,
          scratch: fold.scratch,
          viewsOnly: true,
        }),
      );
      position = page[page.length - 1].position;
      done += page.length;
      options.onProgress?.(done, Math.max(total, done));
    }

    // 2. Load the shadow tables, then index them.
    const indexed = await load(store, pool, fold, position, indexes);
    const usage = new UsageAccumulator();
    for (const view of fold.views.values()) for (const task of view?.tasks.values() ?? []) usage.add(task, 1);
    await insertUsage(q, SHADOW_TABLES, usage.deltas());
    await markRows(q, SHADOW_TABLES, [...fold.failures.keys()]);
    if (!indexed) await createShadowIndexes(q, indexes);
    await q.query(`ANALYZE ${SHADOW_TABLES.runs}, ${SHADOW_TABLES.tasks}, ${SHADOW_TABLES.usage}`);
    // runs.list search documents, computed now rather than under the swap's lock (migrations/…05_runs-search.sql).
    await q.query('SELECT ledger_sync_run_search($1, false)', [SHADOW_TABLES.runs]);

    // 3. Catch up with what was appended meanwhile (no lock yet).
    const caughtUp = await withTransaction(pool, (c) => catchUp(store, c, fold, position, pageSize));
    position = caughtUp.position;
    done += caughtUp.events;

    // 4. The swap: one short transaction.
    await withTransaction(pool, async (client) => {
      await ensureCheckpoint(client as Queryable, name);
      const live = await readCheckpoint(client as Queryable, name, true);
      await client.query(
        `LOCK TABLE ${LIVE_TABLES.runs}, ${LIVE_TABLES.tasks}, ${LIVE_TABLES.usage} IN ACCESS EXCLUSIVE MODE`,
      );
      const last = await catchUp(store, client as Queryable, fold, position, pageSize);
      position = last.position;
      done += last.events;
      for (const table of Object.keys(LIVE_TABLES) as Array<keyof typeof LIVE_TABLES>) {
        await client.query(`DROP TABLE ${LIVE_TABLES[table]}`);
        await client.query(`ALTER TABLE ${SHADOW_TABLES[table]} RENAME TO ${LIVE_TABLES[table]}`);
      }
      await renameShadowIndexes(client as Queryable, indexes);
      await client.query('SELECT ledger_apply_read_security()');
      await client.query('SELECT ledger_attach_run_search()');
      await replaceShares(client as Queryable, fold.shares.events);
      await clearQuarantine(client as Queryable, name);
      await quarantineRuns(
        client as Queryable,
        name,
        LIVE_TABLES,
        [...fold.failures].map(([runId, f]) => toQuarantined(runId, f)),
      );
      await bumpEpoch(client as Queryable, name);
      const checkpoint =
        live?.position && (!position || comparePositions(live.position, position) > 0)
          ? live.position
          : position;
      await writeCheckpoint(client as Queryable, name, checkpoint, 'running');
    });
    options.onProgress?.(done, done);
    return { name, events: done, ms: Date.now() - started, quarantined: fold.failures.size };
  } catch (error) {
    await dropShadowTables(q).catch(() => undefined);
    throw error;
  }
}

/** The fold of the whole log so far: views, the runs it stopped (and so passes over), the skipped events. */
interface FoldState {
  readonly views: Map<string, RunViewModel | null>;
  readonly failures: Map<string, RunFailure>;
  readonly blocked: Set<string>;
  readonly skipped: ReadonlySet<string>;
  readonly scratch: FoldScratch;
  /** The log's share events (and erasures of shared runs), for `run_shares` (shares.projection.ts). */
  readonly shares: ShareLog;
}

function merge(fold: FoldState, folded: FoldedBatch): void {
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
 * Bulk-loads the views; when PostgreSQL refuses a value, loads again one run at a time (indexed first, for the
 * upserts) and stops each refused run at its longest writable prefix. Returns whether the indexes exist.
 */
async function load(
  store: EventStore,
  pool: Pool,
  fold: FoldState,
  position: GlobalPosition | null,
  indexes: readonly ShadowIndex[],
): Promise<boolean> {
  const q = pool as Queryable;
  const runs: RunView[] = [];
  const tasks: TaskView[] = [];
  for (const view of fold.views.values()) {
    if (!view) continue;
    runs.push(view.run);
    for (const task of view.tasks.values()) tasks.push(task);
  }
  try {
    await writeRuns(q, SHADOW_TABLES, runs, false);
    await writeTasks(q, SHADOW_TABLES, tasks, false);
    return false;
  } catch (error) {
    if (!isDataError(error)) throw error;
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

/** Folds and writes (to the shadow tables) every event after `position`, page by page, as the live projector does. */
async function catchUp(
  store: EventStore,
  q: Queryable,
  fold: FoldState,
  position: GlobalPosition | null,
  pageSize: number,
): Promise<{ position: GlobalPosition | null; events: number }> {
  let events = 0;
  for (;;) {
    const page = await store.readAll(position, pageSize);
    if (page.length === 0) return { position, events };
    fold.shares.add(page, fold.skipped);
    const folded = foldBatch(fold.views, page, { quarantined: fold.blocked, skipped: fold.skipped });
    const written = await writeFolded(q, SHADOW_TABLES, fold.views, folded);
    await markRows(q, SHADOW_TABLES, [...written.folded.failures.keys()]);
    merge(fold, written.folded);
    position = page[page.length - 1].position;
    events += page.length;
  }
}

async function dropShadowTables(q: Queryable): Promise<void> {
  await q.query(`DROP TABLE IF EXISTS ${SHADOW_TABLES.runs}, ${SHADOW_TABLES.tasks}, ${SHADOW_TABLES.usage}`);
}
