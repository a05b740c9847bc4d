import { z } from 'zod';
import type { LedgerConfig } from '@ledger/config';
import type { RetentionPolicy, RetentionRule } from '@ledger/domain';

const days = z
  .string()
  .regex(/^\d{1,5}d?$/, 'a number of days such as "30d"')
  .transform((v) => Number.parseInt(v, 10));
const sourceTypeRules = z.record(
  z.string().min(1).max(64),
  z.strictObject({ archiveAfter: days.optional(), eraseAfter: days.optional() }),
);

/** `30d` (or `30`) as days; a clear error otherwise. */
export function parseDays(value: string, what: string): number {
  const parsed = days.safeParse(value);
  if (!parsed.success) throw new Error(`${what}: a number of days such as 30d, not "${value}"`);
  return parsed.data;
}

/** The deployment's policy from LEDGER_RETENTION_*; null when it archives and erases nothing. */
export function policyFromConfig(config: LedgerConfig): RetentionPolicy | null {
  let sourceTypes: Record<string, RetentionRule> | undefined;
  if (config.LEDGER_RETENTION_SOURCE_TYPES) {
    let json: unknown;
    try {
      json = JSON.parse(config.LEDGER_RETENTION_SOURCE_TYPES);
    } catch {
      throw new Error('LEDGER_RETENTION_SOURCE_TYPES: not JSON');
    }
    const parsed = sourceTypeRules.safeParse(json);
    if (!parsed.success)
      throw new Error(
        `LEDGER_RETENTION_SOURCE_TYPES: ${parsed.error.issues.map((i) => i.message).join('; ')}`,
      );
    sourceTypes = Object.fromEntries(
      Object.entries(parsed.data).map(([type, r]) => [
        type,
        { archiveAfterDays: r.archiveAfter, eraseAfterDays: r.eraseAfter },
      ]),
    );
  }
  const policy: RetentionPolicy = {
    archiveAfterDays: config.LEDGER_RETENTION_ARCHIVE_AFTER,
    eraseAfterDays: config.LEDGER_RETENTION_ERASE_AFTER,
    sourceTypes,
    includeStarred: config.LEDGER_RETENTION_INCLUDE_STARRED,
  };
  const any = [policy, ...Object.values(sourceTypes ?? {})].some(
    (r) => r.archiveAfterDays !== undefined || r.eraseAfterDays !== undefined,
  );
  return any ? policy : null;
}
