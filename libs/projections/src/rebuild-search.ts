import type { Queryable } from './projector.sql';
import { createShadowIndexes, renameShadowIndexes, shadowIndexes } from './rebuild-indexes';

/**
 * The runs list's search documents of a rebuild (migrations/…05_runs-search.sql), in a shadow `ai_run_search` that
 * the swap puts in place of the live one; `ledger_attach_run_search()`, in the same transaction, then only brings in
 * what the catch-up changed. The shadow table is indexed from the start and a run's document is made by the
 * statement that writes its row: most runs are written while the log is still being folded (those dropped from
 * memory), so PostgreSQL indexes their documents on its own core meanwhile. Made all at once after the fold, the
 * documents and their trigram index were the longest part of a rebuild's tail (1.6 s of a 1M-event rebuild's
 * 2.4 s, docs/performance.md finding 26); inserted into the live table under the swap's lock, longer still.
 */

const LIVE = 'ai_run_search';
const SHADOW = 'ai_run_search_next';

export async function dropShadowSearch(q: Queryable): Promise<void> {
  await q.query(`DROP TABLE IF EXISTS ${SHADOW}`);
}

/** The shadow documents' table, empty, with the live table's indexes. */
export async function createShadowSearch(q: Queryable): Promise<void> {
  const indexes = await shadowIndexes(q, [[LIVE, SHADOW]]);
  await q.query(`CREATE TABLE ${SHADOW} (LIKE ${LIVE} INCLUDING DEFAULTS)`);
  await createShadowIndexes(q, indexes);
}

/** Inserts the documents of the runs `from` (a table or a CTE of run rows) holds. */
const insertDocuments = (from: string) =>
  `INSERT INTO ${SHADOW} (id, user_id, name, message_count, document)
   SELECT id, user_id, name, message_count, ledger_run_search_text(name, messages) FROM ${from}`;

/** An INSERT of run rows (`writeRuns`) made into a statement that also adds their documents. */
export function withSearchDocuments(insert: string): string {
  return `WITH written AS (${insert} RETURNING id, user_id, name, message_count, messages) ${insertDocuments('written')}`;
}

/** Drops the documents of runs whose rows are being written again. */
export async function deleteSearchDocuments(q: Queryable, runIds: readonly string[]): Promise<void> {
  await q.query(`DELETE FROM ${SHADOW} WHERE id = ANY($1::uuid[])`, [runIds]);
}

/**
 * Makes every document again from `runsTable` (the shadow runs): after a load that wrote its runs one at a time,
 * past a refused value (rebuild-load.ts), with no documents.
 */
export async function refillShadowSearch(q: Queryable, runsTable: string): Promise<void> {
  await q.query(`TRUNCATE ${SHADOW}`);
  await q.query(insertDocuments(runsTable));
}

export async function analyzeShadowSearch(q: Queryable): Promise<void> {
  await q.query(`ANALYZE ${SHADOW}`);
}

/**
 * In the swap's transaction: the shadow documents take the live table's place, with its index names and its owner
 * (ledger_owner: the search function reads the documents as that role, whoever ran the rebuild).
 */
export async function swapShadowSearch(q: Queryable): Promise<void> {
  const indexes = await shadowIndexes(q, [[LIVE, SHADOW]]);
  const { rows } = await q.query<{ live: string; shadow: string }>(
    `SELECT (SELECT relowner::regrole::text FROM pg_class WHERE oid = '${LIVE}'::regclass) AS live,
            (SELECT relowner::regrole::text FROM pg_class WHERE oid = '${SHADOW}'::regclass) AS shadow`,
  );
  if (rows[0].live !== rows[0].shadow) await q.query(`ALTER TABLE ${SHADOW} OWNER TO ${rows[0].live}`);
  await q.query(`DROP TABLE ${LIVE}`);
  await q.query(`ALTER TABLE ${SHADOW} RENAME TO ${LIVE}`);
  await renameShadowIndexes(q, indexes);
}
