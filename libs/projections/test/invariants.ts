import type { Pool, PoolClient } from 'pg';

/** The invariants of docs/protocol.md §3 (read models) as SQL: the ids of runs (or orphan tasks) that break one. */
export async function invariantViolations(q: Pool | PoolClient): Promise<string[]> {
  const { rows } = await q.query<{ id: string; why: string }>(`
    WITH t AS (
      SELECT run_id, COUNT(*) AS n, COALESCE(SUM(tokens_total), 0) AS tokens, COALESCE(SUM(cost), 0) AS cost,
             COUNT(*) FILTER (WHERE status IN ('completed', 'failed') AND cost IS NULL) AS unpriced
      FROM ai_tasks GROUP BY run_id)
    SELECT r.id::text, 'totals' AS why FROM ai_runs r LEFT JOIN t ON t.run_id = r.id
    WHERE r.task_count <> COALESCE(t.n, 0) OR r.total_tokens <> COALESCE(t.tokens, 0) OR r.total_cost <> COALESCE(t.cost, 0)
       OR r.unpriced_task_count <> COALESCE(t.unpriced, 0) OR r.message_count <> jsonb_array_length(r.messages)
    UNION ALL
    SELECT t.run_id::text, 'orphan tasks' FROM t LEFT JOIN ai_runs r ON r.id = t.run_id WHERE r.id IS NULL
    UNION ALL
    SELECT u.user_id::text || ' ' || u.day || ' ' || u.model, 'usage' FROM usage_daily u FULL JOIN (
      SELECT user_id, (completed_at AT TIME ZONE 'UTC')::date AS day, model, COUNT(*) AS tasks, SUM(tokens_input) AS input,
             COALESCE(SUM(cost), 0) AS cost, COUNT(*) FILTER (WHERE cost IS NULL) AS unpriced
      FROM ai_tasks WHERE status IN ('completed', 'failed') GROUP BY 1, 2, 3) s
      ON s.user_id = u.user_id AND s.day = u.day AND s.model = u.model
    WHERE u.tasks IS DISTINCT FROM s.tasks OR u.input_tokens IS DISTINCT FROM s.input OR u.cost IS DISTINCT FROM s.cost
       OR u.unpriced_tasks IS DISTINCT FROM s.unpriced`);
  return rows.map((r) => `${r.why}: ${r.id}`);
}

/**
 * md5 of every row of the read models, in a fixed order: equal hashes, byte-identical tables. The runs list's search
 * documents too: a rebuild makes them as it writes runs, some of them more than once (rebuild-search.ts).
 */
export async function tableHashes(q: Pool): Promise<Record<string, string>> {
  const { rows } = await q.query<{ runs: string; tasks: string; usage: string; search: string }>(`SELECT
    (SELECT md5(string_agg(t::text, ',' ORDER BY id)) FROM ai_runs t) AS runs,
    (SELECT md5(string_agg(t::text, ',' ORDER BY id)) FROM ai_tasks t) AS tasks,
    (SELECT md5(string_agg(t::text, ',' ORDER BY user_id, day, model)) FROM usage_daily t) AS usage,
    (SELECT md5(string_agg(t::text, ',' ORDER BY id)) FROM ai_run_search t) AS search`);
  return rows[0];
}
