import type { Pool } from 'pg';
import {
  NO_PRICING,
  retentionAction,
  retentionCutoff,
  ruleFor,
  type RetentionAction,
  type RetentionCandidate,
  type RetentionPolicy,
} from '@ledger/domain';
import type { EventStore } from '@ledger/event-store';
import { handleRunCommand, operatorRequest } from './run-command';

/** Retention passes: plan from the read model, act through the event store (archive = `RunArchived`, erase = tombstone). */

export interface PlannedRun extends RetentionCandidate {
  readonly action: RetentionAction;
  /** The action's bound: the run is acted on only if its stream shows no activity after this (ISO). */
  readonly idleSince: string;
}

export interface RetentionSummary {
  readonly archived: number;
  readonly erased: number;
  /** Planned runs left alone because they had new activity (or changed) since the plan. */
  readonly skipped: number;
}

const DAY_MS = 86_400_000;

/**
 * The runs the policy acts on now, oldest activity first. Activity is a run's last message, else its start (so
 * archiving, starring or renaming it is not activity). Reads `ai_runs` as the tables' owner: every user's runs.
 */
export async function planRetention(pool: Pool, policy: RetentionPolicy, now: Date): Promise<PlannedRun[]> {
  const cutoff = retentionCutoff(policy, now);
  if (!cutoff) return [];
  const { rows } = await pool.query<{
    id: string;
    user_id: string;
    source_type: string;
    starred: boolean;
    archived: boolean;
    activity: Date;
  }>(
    `SELECT id, user_id, source_type, starred, archived, COALESCE(last_message_at, created_at) AS activity
       FROM ai_runs WHERE COALESCE(last_message_at, created_at) <= $1 ORDER BY activity, id`,
    [cutoff.toISOString()],
  );
  const planned: PlannedRun[] = [];
  for (const r of rows) {
    const run: RetentionCandidate = {
      runId: r.id,
      userId: r.user_id,
      sourceType: r.source_type,
      starred: r.starred,
      archived: r.archived,
      lastActivityAt: r.activity.toISOString(),
    };
    const action = retentionAction(run, policy, now);
    if (!action) continue;
    const rule = ruleFor(policy, run.sourceType);
    const days = (action === 'erase' ? rule.eraseAfterDays : rule.archiveAfterDays) as number;
    planned.push({ ...run, action, idleSince: new Date(now.getTime() - days * DAY_MS).toISOString() });
  }
  return planned;
}

export interface ApplyOptions {
  readonly store: EventStore;
  readonly now: Date;
  readonly onProgress?: (done: number, total: number) => void;
}

/**
 * Carries out a plan, run by run through the run decider (`retention.archive` / `retention.erase`, in the owner's
 * name): the run's stream is the truth and the read model may lag, so a run with activity after its planned
 * `idleSince` is left alone (skipped). An erasure is the `run.delete` path: the stream keeps only a `RunDeleted`
 * tombstone, and the projector removes the rows (a rebuild cannot bring them back). A writer appending meanwhile
 * is a conflict that the one retry policy answers by deciding again on what it wrote.
 */
export async function applyRetention(
  plan: readonly PlannedRun[],
  options: ApplyOptions,
): Promise<RetentionSummary> {
  const { store, now } = options;
  let archived = 0;
  let erased = 0;
  let skipped = 0;
  for (const [i, run] of plan.entries()) {
    const name = run.action === 'erase' ? 'retention.erase' : 'retention.archive';
    const { events } = await handleRunCommand(store, run.runId, NO_PRICING, (state) =>
      state.userId === null
        ? null
        : operatorRequest(
            name,
            { runId: run.runId, idleSince: run.idleSince },
            state.userId,
            now.toISOString(),
          ),
    );
    if (events.length === 0) skipped += 1;
    else if (run.action === 'erase') erased += 1;
    else archived += 1;
    options.onProgress?.(i + 1, plan.length);
  }
  return { archived, erased, skipped };
}

/**
 * Removes the dead row versions an erasure left in the event store's table and indexes (PostgreSQL keeps them
 * until a vacuum), so no page of the database still holds an erased run's events. Read-model rows go when the
 * projector applies the tombstones; `ledger retention apply` vacuums those tables once it has.
 */
export async function vacuumErased(pool: Pool, tables: readonly string[]): Promise<void> {
  for (const table of tables) await pool.query(`VACUUM ${table}`);
}
