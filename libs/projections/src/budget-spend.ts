import type { Pool } from 'pg';
import { asUser } from './user-scope';

export interface PeriodSpend {
  /** Exact decimal sum (USD) of the costs of the user's tasks that ended in [from, to). */
  readonly spent: string;
  /** Ended tasks in the period. */
  readonly tasks: number;
  /** Of these, the ones with no price (cost NULL): reported, never counted as free silently. */
  readonly unpricedTasks: number;
}

/**
 * A user's spend over UTC days [from, to) from `usage_daily` (one row per day and model, so a month reads at most a
 * few hundred rows, never a scan of tasks). It counts a task on the UTC day it ended, as `usage.summary` does, and
 * its numeric sum is exact. Read as the user under row-level security, like every read-model query.
 */
export function periodSpend(pool: Pool, userId: string, from: string, to: string): Promise<PeriodSpend> {
  return asUser(pool, userId, async (client) => {
    const { rows } = await client.query<{ spent: string; tasks: string; unpriced: string }>(
      `SELECT COALESCE(SUM(cost), 0)::text AS spent, COALESCE(SUM(tasks), 0)::text AS tasks,
              COALESCE(SUM(unpriced_tasks), 0)::text AS unpriced
         FROM usage_daily WHERE user_id = $1 AND day >= $2::date AND day < $3::date`,
      [userId, from, to],
    );
    const row = rows[0];
    return { spent: normalise(row.spent), tasks: Number(row.tasks), unpricedTasks: Number(row.unpriced) };
  });
}

/** numeric's text keeps trailing zeros ("1.50"); money is compared and shown in its canonical form. */
function normalise(amount: string): string {
  if (!amount.includes('.')) return amount;
  const trimmed = amount.replace(/0+$/, '').replace(/\.$/, '');
  return trimmed === '' ? '0' : trimmed;
}
