import { z } from 'zod';

/** Settings of budgets (alert webhook) and retention; spread into the configuration schema. */

/** `30d` or `30` (days). */
export const daysSetting = z
  .string()
  .regex(/^\d{1,5}d?$/, 'a number of days such as 30d')
  .transform((v) => Number.parseInt(v, 10));

export const budgetRetentionSettings = {
  LEDGER_ALERT_WEBHOOK_URL: z.string().url().optional(),
  LEDGER_ALERT_WEBHOOK_SECRET: z
    .string()
    .min(16, 'LEDGER_ALERT_WEBHOOK_SECRET: at least 16 characters')
    .optional(),
  /** One webhook attempt gives up after this long (ms); the delivery is then retried. */
  LEDGER_ALERT_WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(300_000).default(10_000),
  /** Backoff between webhook attempts: from 1 s, doubling, up to this (ms). */
  LEDGER_ALERT_RETRY_MAX_MS: z.coerce.number().int().min(10).max(86_400_000).default(300_000),
  LEDGER_ALERT_RETRY_MIN_MS: z.coerce.number().int().min(1).max(86_400_000).default(1_000),
  /** How long `task.create` of a user with a budget waits for the projection to count the tasks that just ended. */
  LEDGER_BUDGET_WAIT_MS: z.coerce.number().int().min(0).max(60_000).default(2_000),
  /** How long an instance trusts a budget it read (ms): a budget set elsewhere (CLI, another instance) binds within it. */
  LEDGER_BUDGET_CACHE_MS: z.coerce.number().int().min(0).max(60_000).default(1_000),
  /** Retention inside the server (daily): archive runs idle this long; none when unset. */
  LEDGER_RETENTION_ARCHIVE_AFTER: daysSetting.optional(),
  /** Retention inside the server (daily): erase runs idle this long; none when unset. */
  LEDGER_RETENTION_ERASE_AFTER: daysSetting.optional(),
  /** JSON {sourceType: {archiveAfter?: "30d", eraseAfter?: "365d"}}: per source type, over the two above. */
  LEDGER_RETENTION_SOURCE_TYPES: z.string().optional(),
  /** `true`: starred runs are archived and erased too (default: exempt). */
  LEDGER_RETENTION_INCLUDE_STARRED: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
  /** UTC hour of the day at which the daily retention pass runs. */
  LEDGER_RETENTION_HOUR: z.coerce.number().int().min(0).max(23).default(3),
};

/** Cross-field checks; returns the problems (empty: fine). */
export function checkBudgetRetention(c: {
  LEDGER_ALERT_WEBHOOK_URL?: string;
  LEDGER_ALERT_WEBHOOK_SECRET?: string;
}): string[] {
  if (c.LEDGER_ALERT_WEBHOOK_URL && !c.LEDGER_ALERT_WEBHOOK_SECRET)
    return ['LEDGER_ALERT_WEBHOOK_SECRET: required with LEDGER_ALERT_WEBHOOK_URL (every delivery is signed)'];
  return [];
}
