/** Retention: which idle runs to archive or erase. Pure: `now` comes in from the caller. */

export interface RetentionRule {
  /** Archive runs idle at least this many days (none when undefined). */
  readonly archiveAfterDays?: number;
  /** Erase runs idle at least this many days (none when undefined). */
  readonly eraseAfterDays?: number;
}

export interface RetentionPolicy extends RetentionRule {
  /** Per source type, replacing the deployment's rule for those runs. */
  readonly sourceTypes?: Readonly<Record<string, RetentionRule>>;
  /** Only runs of this source type are looked at (`--source-type`). */
  readonly onlySourceType?: string;
  /** Starred runs are exempt unless this is true. */
  readonly includeStarred?: boolean;
}

export interface RetentionCandidate {
  readonly runId: string;
  readonly userId: string;
  readonly sourceType: string;
  readonly starred: boolean;
  readonly archived: boolean;
  /** ISO time of the run's last activity (its last message, else its start). */
  readonly lastActivityAt: string;
}

export type RetentionAction = 'archive' | 'erase';

const DAY_MS = 86_400_000;

export function ruleFor(policy: RetentionPolicy, sourceType: string): RetentionRule {
  return policy.sourceTypes?.[sourceType] ?? policy;
}

/** What the policy does to one run now: erase wins over archive; an archived run is not archived again. */
export function retentionAction(
  run: RetentionCandidate,
  policy: RetentionPolicy,
  now: Date,
): RetentionAction | null {
  if (policy.onlySourceType !== undefined && run.sourceType !== policy.onlySourceType) return null;
  if (run.starred && !policy.includeStarred) return null;
  const rule = ruleFor(policy, run.sourceType);
  const idleMs = now.getTime() - Date.parse(run.lastActivityAt);
  if (rule.eraseAfterDays !== undefined && idleMs >= rule.eraseAfterDays * DAY_MS) return 'erase';
  if (!run.archived && rule.archiveAfterDays !== undefined && idleMs >= rule.archiveAfterDays * DAY_MS)
    return 'archive';
  return null;
}

/** The oldest activity a run may have and still be touched by some rule of the policy (a query's bound). */
export function retentionCutoff(policy: RetentionPolicy, now: Date): Date | null {
  const days = [policy, ...Object.values(policy.sourceTypes ?? {})]
    .flatMap((r) => [r.archiveAfterDays, r.eraseAfterDays])
    .filter((d): d is number => d !== undefined);
  return days.length ? new Date(now.getTime() - Math.min(...days) * DAY_MS) : null;
}
