import type { Pool } from 'pg';
import type { GlobalPosition } from '@ledger/domain';
import { comparePositions, type EventStore } from '@ledger/event-store';
import { diffBatch, foldBatch, runIdOf, UsageAccumulator } from './run-view.batch';
import { evolveRunView, type FoldScratch, type RunViewModel } from './run-view.fold';
import type { RunView, TaskView } from '@ledger/contract';
import {
  ensureCheckpoint,
  insertUsage,
  LIVE_TABLES,
  readCheckpoint,
  SHADOW_TABLES,
  writeChanges,
  writeCheckpoint,
  writeRuns,
  writeTasks,
  type Queryable,
} from './projector.sql';

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
}

/** Indexes of the read models, built on the shadow tables after loading; `{t}` is the table, `{s}` the name suffix. */
const INDEXES: ReadonlyArray<{ table: 'runs' | 'tasks' | 'usage'; name: string; sql: string }> = [
  {
    table: 'runs',
    name: 'ai_runs_pkey',
    sql: 'ALTER TABLE {t} ADD CONSTRAINT ai_runs_pkey{s} PRIMARY KEY (id)',
  },
  {
    table: 'runs',
    name: 'ai_runs_user_activity_idx',
    sql: 'CREATE INDEX ai_runs_user_activity_idx{s} ON {t} (user_id, (COALESCE(last_message_at, updated_at)) DESC, id DESC)',
  },
  {
    table: 'tasks',
    name: 'ai_tasks_pkey',
    sql: 'ALTER TABLE {t} ADD CONSTRAINT ai_tasks_pkey{s} PRIMARY KEY (id)',
  },
  {
    table: 'tasks',
    name: 'ai_tasks_run_created_idx',
    sql: 'CREATE INDEX ai_tasks_run_created_idx{s} ON {t} (run_id, created_at, id)',
  },
  {
    // runs.list `model` (migrations/1700000000005_runs-search.sql).
    table: 'tasks',
    name: 'ai_tasks_user_model_idx',
    sql: 'CREATE INDEX ai_tasks_user_model_idx{s} ON {t} (user_id, model, run_id)',
  },
  {
    table: 'usage',
    name: 'usage_daily_pkey',
    sql: 'ALTER TABLE {t} ADD CONSTRAINT usage_daily_pkey{s} PRIMARY KEY (user_id, day, model)',
  },
];
const SUFFIX = '_next';

/**
 * Rebuilds the read models without downtime: folds the whole log in memory (pages of `pageSize`), loads shadow
 * tables with large multi-row inserts, builds their indexes, catches up to the head, then in ONE transaction
 * locks the live tables and the checkpoint, applies the last delta, swaps the tables and sets the checkpoint.
 * Readers read the old tables until that commit. A live projector notices the moved checkpoint and reloads.
 */
export async function rebuild(options: RebuildOptions): Promise<RebuildResult> {
  const { store, pool } = options;
  const name = options.name ?? 'runs';
  const pageSize = options.pageSize ?? 5000;
  const started = Date.now();
  const q = pool as Queryable;
  await dropShadowTables(q);
  try {
    for (const table of Object.keys(LIVE_TABLES) as Array<keyof typeof LIVE_TABLES>)
      await q.query(`CREATE TABLE ${SHADOW_TABLES[table]} (LIKE ${LIVE_TABLES[table]} INCLUDING DEFAULTS)`);

    // 1. The whole log, folded in memory.
    const total = await store.countAfter(null, Number.MAX_SAFE_INTEGER);
    const views = new Map<string, RunViewModel | null>();
    const scratch: FoldScratch = new WeakSet(); // every view here is made by this fold
    let position: GlobalPosition | null = null;
    let done = 0;
    for (;;) {
      const page = await store.readAll(position, pageSize);
      if (page.length === 0) break;
      for (const event of page) {
        const runId = runIdOf(event);
        if (runId) views.set(runId, evolveRunView(views.get(runId) ?? null, event, scratch));
      }
      position = page[page.length - 1].position;
      done += page.length;
      options.onProgress?.(done, Math.max(total, done));
    }

    // 2. Load the shadow tables, then index them.
    const runs: RunView[] = [];
    const tasks: TaskView[] = [];
    const usage = new UsageAccumulator();
    for (const view of views.values()) {
      if (!view) continue;
      runs.push(view.run);
      for (const task of view.tasks.values()) {
        tasks.push(task);
        usage.add(task, 1);
      }
    }
    await writeRuns(q, SHADOW_TABLES, runs, false);
    await writeTasks(q, SHADOW_TABLES, tasks, false);
    await insertUsage(q, SHADOW_TABLES, usage.deltas());
    for (const index of INDEXES)
      await q.query(index.sql.replace('{t}', SHADOW_TABLES[index.table]).replace('{s}', SUFFIX));
    await q.query(`ANALYZE ${SHADOW_TABLES.runs}, ${SHADOW_TABLES.tasks}, ${SHADOW_TABLES.usage}`);
    // runs.list search documents, computed now rather than under the swap's lock (migrations/…05_runs-search.sql).
    await q.query('SELECT ledger_sync_run_search($1, false)', [SHADOW_TABLES.runs]);

    // 3. Catch up with what was appended meanwhile (no lock yet).
    const caughtUp = await catchUp(store, q, views, position, pageSize);
    position = caughtUp.position;
    done += caughtUp.events;

    // 4. The swap: one short transaction.
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await ensureCheckpoint(client as Queryable, name);
      const live = await readCheckpoint(client as Queryable, name, true);
      await client.query(
        `LOCK TABLE ${LIVE_TABLES.runs}, ${LIVE_TABLES.tasks}, ${LIVE_TABLES.usage} IN ACCESS EXCLUSIVE MODE`,
      );
      const last = await catchUp(store, client as Queryable, views, position, pageSize);
      position = last.position;
      done += last.events;
      for (const table of Object.keys(LIVE_TABLES) as Array<keyof typeof LIVE_TABLES>) {
        await client.query(`DROP TABLE ${LIVE_TABLES[table]}`);
        await client.query(`ALTER TABLE ${SHADOW_TABLES[table]} RENAME TO ${LIVE_TABLES[table]}`);
      }
      for (const index of INDEXES)
        await client.query(`ALTER INDEX ${index.name}${SUFFIX} RENAME TO ${index.name}`);
      await client.query('SELECT ledger_apply_read_security()');
      await client.query('SELECT ledger_attach_run_search()');
      const checkpoint =
        live?.position && (!position || comparePositions(live.position, position) > 0)
          ? live.position
          : position;
      await writeCheckpoint(client as Queryable, name, checkpoint, 'running');
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
    options.onProgress?.(done, done);
    return { name, events: done, ms: Date.now() - started };
  } catch (error) {
    await dropShadowTables(q).catch(() => undefined);
    throw error;
  }
}

/** Folds and writes (to the shadow tables) every event after `position`, page by page, with the projector's diff. */
async function catchUp(
  store: EventStore,
  q: Queryable,
  views: Map<string, RunViewModel | null>,
  position: GlobalPosition | null,
  pageSize: number,
): Promise<{ position: GlobalPosition | null; events: number }> {
  let events = 0;
  for (;;) {
    const page = await store.readAll(position, pageSize);
    if (page.length === 0) return { position, events };
    const folded = foldBatch(views, page);
    if (folded.failure) throw folded.failure.error;
    await writeChanges(q, SHADOW_TABLES, diffBatch(views, folded));
    for (const [runId, view] of folded.after) views.set(runId, view);
    position = page[page.length - 1].position;
    events += page.length;
  }
}

async function dropShadowTables(q: Queryable): Promise<void> {
  await q.query(`DROP TABLE IF EXISTS ${SHADOW_TABLES.runs}, ${SHADOW_TABLES.tasks}, ${SHADOW_TABLES.usage}`);
}
