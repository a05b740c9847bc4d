import type { Queryable } from './projector.sql';
import { createShadowIndexes, renameShadowIndexes, shadowIndexes } from './rebuild-indexes';

/**
 * The runs list's search documents of a rebuild (migrations/…05_runs-search.sql): made from the shadow runs into a
 * shadow `ai_run_search`, whose trigram index is then built in one pass, instead of inserted into the live table's
 * index one document at a time (the longest part of a rebuild's tail). The swap puts it in place of the live one;
 * `ledger_attach_run_search()`, in the same transaction, then only brings in what the catch-up changed.
 */

const LIVE = 'ai_run_search';
const SHADOW = 'ai_run_search_next';

export async function dropShadowSearch(q: Queryable): Promise<void> {
  await q.query(`DROP TABLE IF EXISTS ${SHADOW}`);
}

/** Fills the shadow documents from `runsTable` (the shadow runs), then indexes them as the live table is. */
export async function buildShadowSearch(q: Queryable, runsTable: string): Promise<void> {
  const indexes = await shadowIndexes(q, [[LIVE, SHADOW]]);
  await q.query(`CREATE TABLE ${SHADOW} (LIKE ${LIVE} INCLUDING DEFAULTS)`);
  await q.query(
    `INSERT INTO ${SHADOW} (id, user_id, name, message_count, document)
     SELECT id, user_id, name, message_count, ledger_run_search_text(name, messages) FROM ${runsTable}`,
  );
  await createShadowIndexes(q, indexes);
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
