import type { Pool } from 'pg';

/**
 * `ledger prices drift`: tasks whose provider-reported cost differs from the ledger's own by more than a tolerance —
 * the catalog checked against the bills, continuously. Reads the read model (ai_tasks), which holds both.
 */

export interface DriftOptions {
  /** Largest accepted difference, as a fraction of the reported amount (default 0.01: 1 %). */
  tolerance: string;
  /** Only tasks completed at or after this ISO time. */
  since?: string;
  limit?: number;
}

export interface DriftRow {
  runId: string;
  taskId: string;
  provider: string;
  model: string;
  /** The ledger's cost (USD), or null when the catalog has no price. */
  cost: string | null;
  reportedCost: string;
  currency: string;
  source: string;
  /** reported − ledger (null when the ledger has no price or the currency is not USD). */
  difference: string | null;
  priceId: string | null;
  completedAt: string;
}

/** Tasks with a reported cost that the ledger's cost does not match within `tolerance`, largest difference first. */
export async function findDrift(pool: Pool, options: DriftOptions): Promise<DriftRow[]> {
  const { rows } = await pool.query<DriftRow>(
    `SELECT run_id AS "runId", task_id AS "taskId", provider, model,
            cost::text AS cost, reported_cost::text AS "reportedCost",
            reported_cost_currency AS currency, reported_cost_source AS source,
            CASE WHEN cost IS NULL OR reported_cost_currency <> 'USD' THEN NULL
                 ELSE trim_scale(reported_cost - cost)::text END AS difference,
            price_id AS "priceId",
            to_char(completed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "completedAt"
       FROM ai_tasks
      WHERE reported_cost IS NOT NULL
        AND ($2::timestamptz IS NULL OR completed_at >= $2::timestamptz)
        AND (cost IS NULL
             OR reported_cost_currency <> 'USD'
             OR abs(reported_cost - cost) > $1::numeric * reported_cost)
      ORDER BY abs(reported_cost - COALESCE(cost, 0)) DESC, completed_at, task_id
      LIMIT $3`,
    [options.tolerance, options.since ?? null, options.limit ?? 1000],
  );
  return rows;
}
