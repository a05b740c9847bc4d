import { setImmediate } from 'node:timers/promises';
import type { Pool } from 'pg';
import { withTransaction } from '@ledger/database';
import { comparePositions, logBatches, type EventStore, type GlobalPosition } from '@ledger/event-store';
import { foldBatch, UsageAccumulator } from './run-view.batch';
import { writeFolded } from './batch-writer';
import {
  ensureCheckpoint,
  insertUsage,
  LIVE_TABLES,
  readCheckpoint,
  SHADOW_TABLES,
  TASKS_VIEW,
  writeCheckpoint,
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
import { createShadowIndexes, renameShadowIndexes, shadowIndexes } from './rebuild-indexes';
import { ResidentRuns } from './rebuild-resident';
import {
  analyzeShadowSearch,
  createShadowSearch,
  dropShadowSearch,
  refillShadowSearch,
  swapShadowSearch,
} from './rebuild-search';
import { flushViews, load, merge, RefusedAfterEviction, WriteBehind, type FoldState } from './rebuild-load';

export interface RebuildOptions {
  readonly store: EventStore;
  readonly pool: Pool;
  readonly name?: string;
  /**
   * Events read per page of the log (default 1000), where it is read by pages of `readAll`: the catch-up, and the
   * whole pass on a store without `readLog` (PostgreSQL streams that pass by COPY, in batches as they arrive).
   * Small enough that a page's rows die young: with pages of 5000 (two in memory, one folded while the next is
   * read) every row outlived V8's young generation and was collected by full collections of the old space (30 % of
   * the rebuild's CPU, docs/performance.md).
   */
  readonly pageSize?: number;
  readonly onProgress?: (done: number, total: number) => void;
  /**
   * Runs whose views stay in memory (default 1000): beyond it, the runs touched least recently are written to the
   * shadow tables and dropped, so memory does not grow with the log. A dropped run that the log touches again is
   * folded again from its own stream (rare: a run idle while this many others were written).
   */
  readonly residentRuns?: number;
}

export interface RebuildResult {
  readonly name: string;
  readonly events: number;
  readonly ms: number;
  /** Runs quarantined by the rebuilt projection. */
  readonly quarantined: number;
  /**
   * Times the log was folded: 1, or 2 when PostgreSQL refused a value after runs had left memory (the second fold
   * keeps every run in memory to find the refused one).
   */
  readonly folds: 1 | 2;
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
  try {
    return await rebuildOnce(options, options.residentRuns ?? RESIDENT_RUNS);
  } catch (error) {
    // A value PostgreSQL refuses, met after runs were dropped from memory: again with every view kept, where the
    // refused run is found and stopped at its longest writable prefix (load()).
    if (!(error instanceof RefusedAfterEviction)) throw error;
    return { ...(await rebuildOnce(options, Infinity)), folds: 2 };
  }
}

/**
 * 1000 rather than 2000: the peak RSS of a 1M-event rebuild 227–231 → 182–194 MB at the same speed
 * (docs/performance.md, finding 25); a log with more runs active at once than this folds some of them twice.
 */
const RESIDENT_RUNS = 1000;
/** Events folded between two looks at the socket (see the fold loop). */
const FOLD_SLICE = 250;

/**
 * The live table's storage parameters as a `WITH (…)` clause (empty when none): `LIKE` does not copy them, and the
 * migrations set some (ai_task_rows' fillfactor, for HOT updates of streaming tasks), so a swap must not lose them.
 */
async function storageParameters(q: Queryable, table: string): Promise<string> {
  const { rows } = await q.query<{ reloptions: string[] | null }>(
    'SELECT reloptions FROM pg_class WHERE oid = $1::regclass',
    [table],
  );
  const options = rows[0]?.reloptions ?? [];
  return options.length ? ` WITH (${options.join(', ')})` : '';
}

/**
 * The `LIKE` options that copy how each column is stored: its storage and, from PostgreSQL 14, its compression
 * (migrations …013 and …015 set both for the task rows' text columns, so that appending to a streaming task's text
 * does not compress all of it again; a swapped-in table without them would lose that).
 */
async function columnStorageClauses(q: Queryable): Promise<string> {
  const { rows } = await q.query<{ v: number }>("SELECT current_setting('server_version_num')::int AS v");
  return rows[0].v >= 140000 ? 'INCLUDING STORAGE INCLUDING COMPRESSION' : 'INCLUDING STORAGE';
}

/**
 * Writes of dropped views let run behind the fold at once (each on two connections: runs and tasks). With one, the
 * fold still waited ~2 s of a 1M-event rebuild for PostgreSQL to finish the write before (finding 35).
 */
const WRITES_IN_FLIGHT = 2;

async function rebuildOnce(options: RebuildOptions, residentRuns: number): Promise<RebuildResult> {
  const { store, pool } = options;
  const name = options.name ?? 'runs';
  const pageSize = options.pageSize ?? 1000;
  const started = Date.now();
  const q = pool as Queryable;
  await dropShadowTables(q);
  const indexes = await shadowIndexes(q);
  const writes = new WriteBehind(WRITES_IN_FLIGHT);
  try {
    // Generated columns stay generated (`ai_runs.activity_at`, migration …016): copied as plain ones, they would be
    // left empty by the rows written here and never follow an update after the swap.
    const columnCopy = `INCLUDING DEFAULTS INCLUDING GENERATED ${await columnStorageClauses(q)}`;
    for (const table of Object.keys(LIVE_TABLES) as Array<keyof typeof LIVE_TABLES>)
      await q.query(
        `CREATE TABLE ${SHADOW_TABLES[table]} (LIKE ${LIVE_TABLES[table]} ${columnCopy})` +
          (await storageParameters(q, LIVE_TABLES[table])),
      );
    await createShadowSearch(q);
    const fold: FoldState = {
      views: new Map(),
      failures: new Map(),
      blocked: new Set(),
      skipped: await readSkipped(q, name),
      scratch: new WeakSet(), // every view here is made by this fold
      shares: new ShareLog(),
      resident: new ResidentRuns(residentRuns),
    };

    // 1. The whole log, folded in memory as it is read (PostgreSQL: by COPY, `readLog`; else pages of `readAll`, the
    //    next read while this one is folded); the runs not touched for longest are written and dropped when more
    //    than `residentRuns` are held.
    // Counting the log is a scan of it: only for a caller that shows progress.
    const total = options.onProgress ? await store.countAfter(null, Number.MAX_SAFE_INTEGER) : 0;
    let position: GlobalPosition | null = null;
    let done = 0;
    const usage = new UsageAccumulator();
    for await (const page of logBatches(store, position, pageSize)) {
      for (let i = 0; i < page.length; i += FOLD_SLICE) {
        // Between slices the rows that have arrived are read in, so PostgreSQL goes on sending them while this
        // folds (folding a whole page of 1000 at once left it blocked on a full socket, then this idle).
        if (i > 0) await setImmediate();
        const slice = page.slice(i, i + FOLD_SLICE);
        const revived = await fold.resident.revive(store, fold, slice, position);
        for (const view of revived.values())
          for (const task of view?.tasks.values() ?? []) usage.add(task, -1);
        fold.shares.add(slice, fold.skipped);
        merge(
          fold,
          foldBatch(fold.views, slice, {
            quarantined: fold.blocked,
            skipped: fold.skipped,
            scratch: fold.scratch,
            viewsOnly: true,
          }),
        );
        fold.resident.touch(slice);
        await fold.resident.evict(fold, (views) => writes.start(() => flushViews(pool, views, usage)));
        position = slice[slice.length - 1].position;
        done += slice.length;
      }
      options.onProgress?.(done, Math.max(total, done));
    }

    // 2. Load the shadow tables, then index them.
    await writes.settled();
    await fold.resident.deleteStaleRows(q);
    const indexed = await load(store, pool, fold, position, indexes, WRITES_IN_FLIGHT);
    for (const view of fold.views.values()) for (const task of view?.tasks.values() ?? []) usage.add(task, 1);
    await insertUsage(q, SHADOW_TABLES, usage.deltas());
    await markRows(q, SHADOW_TABLES, [...fold.failures.keys()]);
    // The runs list's search documents were made as the runs were written (rebuild-search.ts), unless the load went
    // run by run; on their own connection while the shadow tables are indexed and analysed, each table on its own
    // too (one after another, the tasks' indexes and ANALYZE waited for the runs': ~0.5 s of a 1M-event rebuild's
    // tail, finding 36).
    await Promise.all([
      (async () => {
        if (indexed) await refillShadowSearch(q, SHADOW_TABLES.runs);
        await analyzeShadowSearch(q);
      })(),
      ...Object.values(SHADOW_TABLES).map(async (table: string) => {
        if (!indexed)
          await createShadowIndexes(
            q,
            indexes.filter((index) => index.table === table),
          );
        await q.query(`ANALYZE ${table}`);
      }),
    ]);

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
      // The view `ai_tasks` is made on the live task table, not on its name (migration …015): it goes with that
      // table and is made again on the one swapped in.
      await client.query(`DROP VIEW IF EXISTS ${TASKS_VIEW}`);
      for (const table of Object.keys(LIVE_TABLES) as Array<keyof typeof LIVE_TABLES>) {
        await client.query(`DROP TABLE ${LIVE_TABLES[table]}`);
        await client.query(`ALTER TABLE ${SHADOW_TABLES[table]} RENAME TO ${LIVE_TABLES[table]}`);
      }
      await renameShadowIndexes(client as Queryable, indexes);
      await client.query('SELECT ledger_create_task_view()');
      await client.query('SELECT ledger_apply_read_security()');
      await swapShadowSearch(client as Queryable);
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
    return { name, events: done, ms: Date.now() - started, quarantined: fold.failures.size, folds: 1 };
  } catch (error) {
    await writes.settled().catch(() => undefined); // not still writing into what is dropped
    await dropShadowTables(q).catch(() => undefined);
    throw error;
  }
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
    // A dropped run's rows are in the (now indexed) shadow tables: its view comes back as the base of the upsert.
    await fold.resident.revive(store, fold, page, position, false);
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
  await dropShadowSearch(q);
}
