import type { BudgetPeriod } from './budget.events';

/** Budget periods are UTC days or UTC months; `now` always comes in from the caller (no clock in the domain). */
export interface PeriodBounds {
  /** `2025-01-31` or `2025-01`. */
  readonly key: string;
  /** First day of the period, inclusive (`YYYY-MM-DD`). */
  readonly from: string;
  /** First day of the next period, exclusive (`YYYY-MM-DD`). */
  readonly to: string;
  /** The instant the next period starts (ISO). */
  readonly resetsAt: string;
}

export function periodBounds(period: BudgetPeriod, now: Date): PeriodBounds {
  const y = now.getUTCFullYear();
  const m = now.getUTCMonth();
  const start = period === 'day' ? new Date(Date.UTC(y, m, now.getUTCDate())) : new Date(Date.UTC(y, m, 1));
  const next =
    period === 'day' ? new Date(Date.UTC(y, m, now.getUTCDate() + 1)) : new Date(Date.UTC(y, m + 1, 1));
  const from = start.toISOString().slice(0, 10);
  return {
    key: period === 'day' ? from : from.slice(0, 7),
    from,
    to: next.toISOString().slice(0, 10),
    resetsAt: next.toISOString(),
  };
}
