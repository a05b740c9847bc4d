import type { Pool } from 'pg';
import { carriedSpend, periodBounds, type BudgetState } from '@ledger/domain';
import { addMoney, money, sameMoney } from '@ledger/money';
import { asUser, periodSpend, type PeriodSpend } from '@ledger/projections';

/**
 * The spend a budget is held against: the period's ended tasks in `usage_daily`, plus the carried cost of the runs
 * the user erased in it (their tasks left `usage_daily` with them). The state must have a budget.
 */
export async function budgetSpend(
  pool: Pool,
  userId: string,
  state: BudgetState,
  now: Date,
): Promise<PeriodSpend> {
  const bounds = periodBounds(state.budget!.period, now);
  const read = await periodSpend(pool, userId, bounds.from, bounds.to);
  const carried = carriedSpend(state, bounds.from, bounds.to);
  return {
    spent: addMoney(read.spent, carried.cost),
    tasks: read.tasks,
    unpricedTasks: read.unpricedTasks + carried.unpriced,
  };
}

export interface RunSpend {
  readonly days: Record<string, string>;
  readonly unpricedTasks: Record<string, number>;
}

/** A run's ended tasks since `from` (a day), by UTC day of their end: what a deletion would take out of the spend. */
export async function runSpendSince(
  pool: Pool,
  userId: string,
  runId: string,
  from: string,
): Promise<RunSpend> {
  const rows = await asUser(pool, userId, async (client) => {
    const { rows } = await client.query<{ day: string; cost: string; unpriced: string }>(
      `SELECT to_char(completed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, COALESCE(SUM(cost), 0)::text AS cost,
              COUNT(*) FILTER (WHERE cost IS NULL)::text AS unpriced
         FROM ai_tasks
        WHERE run_id = $1 AND user_id = $2 AND status IN ('completed', 'failed') AND completed_at >= $3::date
        GROUP BY 1`,
      [runId, userId, from],
    );
    return rows;
  });
  const days: Record<string, string> = {};
  const unpricedTasks: Record<string, number> = {};
  for (const r of rows) {
    if (!sameMoney(r.cost, 0)) days[r.day] = money(r.cost);
    if (Number(r.unpriced) > 0) unpricedTasks[r.day] = Number(r.unpriced);
  }
  return { days, unpricedTasks };
}
