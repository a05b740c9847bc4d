import type { Pool, PoolClient } from 'pg';
import type { RunView, TaskView } from '@ledger/contract';
import { copyInto, copyLines } from './copy-rows';
import { SHADOW_TABLES, writeRuns, writeTasks, type Queryable } from './projector.sql';
import { withSearchDocuments } from './rebuild-search';
import { RUN_COLUMNS, TASK_COLUMNS, runToRow, taskToRow } from './run-view.rows';

/**
 * A rebuild's bulk writes into its shadow tables, by COPY (copy-rows.ts): plain inserts of rows no other writer
 * touches. Rows are made a slice at a time, so no write holds every row at once; a slice with a value COPY would
 * store differently goes by the projector's JSON statement (`writeRuns`, `writeTasks`), which stores or refuses it
 * as the live projection does. So do the runs of a role that may not create the runs' staging table.
 */

const ROWS_PER_COPY = 2000;

/** The runs' rows are copied into this (one per transaction), then inserted with their search documents. */
const RUNS_STAGING = 'ledger_rebuild_runs';
const RUNS_LIST = RUN_COLUMNS.map(([c]) => c).join(', ');
const RUNS_DEF = RUN_COLUMNS.map(([c, t]) => `${c} ${t}`).join(', ');

async function withClient<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let failed = false;
  try {
    return await work(client);
  } catch (error) {
    failed = true;
    throw error;
  } finally {
    // A COPY that failed part way may leave the connection mid-protocol: it is not reused.
    client.release(failed ? new Error('a rebuild COPY failed') : undefined);
  }
}

/**
 * Inserts the runs into the shadow runs table with their search documents (one statement a slice, as the JSON
 * statement does: `withSearchDocuments`), the rows copied into a temporary table first.
 */
export async function copyRuns(pool: Pool, runs: readonly RunView[]): Promise<void> {
  for (let i = 0; i < runs.length; i += ROWS_PER_COPY) {
    const slice = runs.slice(i, i + ROWS_PER_COPY);
    const lines = copyLines(RUN_COLUMNS, slice.map(runToRow));
    if (lines === null || !(await copyRunSlice(pool, lines))) {
      await writeRuns(pool as Queryable, SHADOW_TABLES, slice, false, withSearchDocuments);
    }
  }
}

const INSUFFICIENT_PRIVILEGE = '42501';

/**
 * One slice copied and inserted; false (nothing written) when the role may not create the staging table (a DBA's
 * `REVOKE TEMPORARY … FROM PUBLIC`): the caller then writes it by the JSON statement, which needs none. Asked again
 * each slice (one refused statement per 2,000 runs), so a right granted later is used at once.
 */
async function copyRunSlice(pool: Pool, lines: readonly string[]): Promise<boolean> {
  return withClient(pool, async (client) => {
    await client.query('BEGIN');
    try {
      await client.query(`CREATE TEMPORARY TABLE ${RUNS_STAGING} (${RUNS_DEF}) ON COMMIT DROP`);
    } catch (error) {
      if ((error as { code?: string }).code !== INSUFFICIENT_PRIVILEGE) throw error;
      await client.query('ROLLBACK');
      return false;
    }
    await copyInto(client, RUNS_STAGING, RUN_COLUMNS, lines);
    await client.query(
      withSearchDocuments(
        `INSERT INTO ${SHADOW_TABLES.runs} (${RUNS_LIST}) SELECT ${RUNS_LIST} FROM ${RUNS_STAGING}`,
      ),
    );
    await client.query('COMMIT');
    return true;
  });
}

/** Inserts the tasks into the shadow task table. */
export async function copyTasks(pool: Pool, tasks: readonly TaskView[]): Promise<void> {
  for (let i = 0; i < tasks.length; i += ROWS_PER_COPY) {
    const slice = tasks.slice(i, i + ROWS_PER_COPY);
    const lines = copyLines(TASK_COLUMNS, slice.map(taskToRow));
    if (lines === null) await writeTasks(pool as Queryable, SHADOW_TABLES, slice, false);
    else await withClient(pool, (client) => copyInto(client, SHADOW_TABLES.tasks, TASK_COLUMNS, lines));
  }
}
