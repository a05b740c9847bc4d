import type { Pool, PoolClient } from 'pg';
import { z } from 'zod';
import {
  activityBound,
  type RunListItem,
  type RunView,
  type TaskView,
  type UsageSummaryRow,
} from '@ledger/contract';
import { rowToRun, rowToTask, type Row } from './run-view.rows';
import { money } from '@ledger/money';
import { asUser, isUuid, readScope, type ReadScope } from './user-scope';

/** Queries of the read models: they read the tables directly and parse rows with zod into the contract's shapes. */

/** A run of the reader, or of one of its teams (null: none, or not readable by it). */
export async function getRun(
  pool: Pool,
  reader: string | ReadScope,
  runId: string,
): Promise<{ run: RunView; tasks: TaskView[] } | null> {
  const { userId, teams } = readScope(reader);
  if (!isUuid(runId) || !isUuid(userId)) return null;
  return asUser(pool, { userId, teams }, async (db) => {
    const runs = await db.query<Row>(
      'SELECT * FROM ai_runs WHERE id = $1 AND (user_id = $2 OR team_id = ANY($3::uuid[]))',
      [runId, userId, teams],
    );
    if (runs.rows.length === 0) return null;
    const tasks = await db.query<Row>('SELECT * FROM ai_tasks WHERE run_id = $1 ORDER BY created_at, id', [
      runId,
    ]);
    return { run: rowToRun(runs.rows[0]), tasks: tasks.rows.map(rowToTask) };
  });
}

export interface ListRunsOptions {
  /** 1–200, default 50. */
  readonly limit?: number;
  readonly cursor?: string | null;
  readonly sourceType?: string;
  readonly starred?: boolean;
  /** Default false: archived runs are hidden; true lists only the archived ones. */
  readonly archived?: boolean;
  /** A substring of the name or the message text, any case; blank: no search. */
  readonly q?: string;
  /** Runs with at least one task of this model. */
  readonly model?: string;
  /** Last activity at or after / at or before (ISO times or dates: a date is its whole UTC day). */
  readonly from?: string;
  readonly to?: string;
  /** The runs of this team instead of the reader's own (the reader must be a member: else no rows). */
  readonly teamId?: string;
}

const cursorSchema = z.tuple([z.string().datetime({ offset: true }), z.string().uuid()]);

export class InvalidCursor extends Error {
  readonly code = 'VALIDATION';
  constructor() {
    super('invalid cursor');
    this.name = 'InvalidCursor';
  }
}

export function encodeCursor(activity: string, id: string): string {
  return Buffer.from(JSON.stringify([activity, id])).toString('base64url');
}
export function decodeCursor(cursor: string): [string, string] {
  try {
    return cursorSchema.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
  } catch {
    throw new InvalidCursor();
  }
}

/** `q` as an ILIKE pattern matching it as a literal substring (its own `%`, `_` and `\\` escaped). */
export function searchPattern(q: string): string {
  return `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** COALESCE(last_message_at, updated_at), stored by PostgreSQL (migration …016) and indexed for this order. */
const ACTIVITY = 'activity_at';
/** The shortest `q` searched in message text too (shorter ones match names only). */
export const MIN_TRIGRAM_CHARS = 3;

/**
 * A user's runs (or, with `teamId`, its team's), newest activity (last message, else last update) first,
 * keyset-paged by an opaque cursor that stays valid with the same filters. Each run carries the distinct models
 * of its tasks.
 */
export async function listRuns(
  pool: Pool,
  reader: string | ReadScope,
  options: ListRunsOptions = {},
): Promise<{ runs: RunListItem[]; nextCursor: string | null }> {
  const limit = Math.min(200, Math.max(1, Math.trunc(options.limit ?? 50)));
  const scope = readScope(reader);
  const { userId } = scope;
  const teamId = options.teamId?.toLowerCase();
  if (!isUuid(userId) || (teamId !== undefined && !scope.teams.includes(teamId)))
    return { runs: [], nextCursor: null };
  const owner = teamId === undefined ? 'user_id' : 'team_id';
  const params: unknown[] = [teamId ?? userId, options.archived ?? false];
  const where = [`${owner} = $1`, 'archived = $2'];
  const param = (value: unknown) => `$${params.push(value)}`;
  if (options.sourceType !== undefined) where.push(`source_type = ${param(options.sourceType)}`);
  if (options.starred !== undefined) where.push(`starred = ${param(options.starred)}`);
  if (options.from) where.push(`${ACTIVITY} >= ${param(activityBound(options.from, 'from'))}::timestamptz`);
  if (options.to) where.push(`${ACTIVITY} <= ${param(activityBound(options.to, 'to'))}::timestamptz`);
  if (options.model !== undefined)
    where.push(`id IN (SELECT run_id FROM ai_tasks WHERE ${owner} = $1 AND model = ${param(options.model)})`);
  const q = options.q?.trim();
  // Names only below 3 characters: a trigram index cannot narrow a shorter pattern, and names are short to scan.
  if (q && q.length < MIN_TRIGRAM_CHARS) where.push(`name ILIKE ${param(searchPattern(q))}`);
  // A team's runs are searched in their rows: the trigram index is keyed by user (documented in docs/security.md).
  else if (q && teamId !== undefined)
    where.push(`ledger_run_search_text(name, messages) ILIKE ${param(searchPattern(q))}`);
  // Through the owner-side function, so the trigram index serves (see migrations/1700000000005_runs-search.sql).
  else if (q) where.push(`id IN (SELECT ledger_search_run_ids(${param(searchPattern(q))}))`);
  if (options.cursor) {
    const [activity, id] = decodeCursor(options.cursor);
    where.push(`(${ACTIVITY}, id) < (${param(activity)}::timestamptz, ${param(id)}::uuid)`);
  }
  return asUser(pool, scope, async (db) => {
    const { rows } = await db.query<Row>(
      `SELECT * FROM ai_runs WHERE ${where.join(' AND ')}
       ORDER BY ${ACTIVITY} DESC, id DESC LIMIT ${param(limit + 1)}`,
      params,
    );
    const runs = await withModels(db, rows.slice(0, limit).map(rowToRun));
    const last = runs[runs.length - 1];
    const nextCursor =
      rows.length > limit && last ? encodeCursor(last.lastMessageAt ?? last.updatedAt, last.id) : null;
    return { runs, nextCursor };
  });
}

const MODELS_OF_RUNS =
  'SELECT run_id, array_agg(DISTINCT model ORDER BY model) AS models FROM ai_tasks WHERE run_id = ANY($1::uuid[]) GROUP BY run_id';

async function withModels(db: PoolClient, runs: RunView[]): Promise<RunListItem[]> {
  if (runs.length === 0) return [];
  const { rows } = await db.query<{ run_id: string; models: string[] }>(MODELS_OF_RUNS, [
    runs.map((r) => r.id),
  ]);
  const models = new Map(rows.map((r) => [String(r.run_id), r.models]));
  return runs.map((run) => ({ ...run, models: models.get(run.id) ?? [] }));
}

/** The distinct models of each run's tasks, for the server's own pushes (read as the tables' owner). */
export async function modelsOfRuns(pool: Pool, runIds: readonly string[]): Promise<Map<string, string[]>> {
  if (runIds.length === 0) return new Map();
  const { rows } = await pool.query<{ run_id: string; models: string[] }>(MODELS_OF_RUNS, [runIds]);
  return new Map(rows.map((r) => [String(r.run_id), r.models]));
}

export interface UsageSummaryOptions {
  /** Inclusive ISO dates (YYYY-MM-DD, or a timestamp whose UTC date is used). */
  readonly from?: string;
  readonly to?: string;
  readonly groupBy: 'day' | 'model';
  /** The usage of this team's runs instead of the reader's own (the reader must be a member: else no rows). */
  readonly teamId?: string;
}

const usageRow = z.object({
  key: z.union([z.string(), z.date()]),
  tasks: z.coerce.number(),
  input_tokens: z.coerce.number(),
  output_tokens: z.coerce.number(),
  cached_tokens: z.coerce.number(),
  reasoning_tokens: z.coerce.number(),
  cost: z.union([z.string(), z.number()]),
  unpriced_tasks: z.coerce.number(),
});

/** A team's usage, summed from its tasks as `usage_daily` sums a user's: ended tasks, by UTC day of the end. */
const TEAM_USAGE = `(SELECT (completed_at AT TIME ZONE 'UTC')::date AS day, model, 1 AS tasks, tokens_input AS input_tokens,
    tokens_output AS output_tokens, tokens_cached AS cached_tokens, tokens_reasoning AS reasoning_tokens, cost,
    (cost IS NULL)::int AS unpriced_tasks
  FROM ai_tasks WHERE team_id = $1 AND status IN ('completed', 'failed') AND completed_at IS NOT NULL) AS team_tasks`;

/**
 * The caller's usage from `usage_daily` (never a scan of tasks), by UTC day of the task's end or by model; with
 * `teamId`, the team's, from the team's ended tasks (an index on `ai_tasks.team_id` narrows the scan).
 */
export async function usageSummary(
  pool: Pool,
  reader: string | ReadScope,
  options: UsageSummaryOptions,
): Promise<{ rows: UsageSummaryRow[] }> {
  const scope = readScope(reader);
  const teamId = options.teamId?.toLowerCase();
  if (!isUuid(scope.userId) || (teamId !== undefined && !scope.teams.includes(teamId))) return { rows: [] };
  const params: unknown[] = [teamId ?? scope.userId];
  const where = teamId === undefined ? ['user_id = $1'] : ['true'];
  if (options.from) where.push(`day >= $${params.push(options.from.slice(0, 10))}::date`);
  if (options.to) where.push(`day <= $${params.push(options.to.slice(0, 10))}::date`);
  const key = options.groupBy === 'day' ? `to_char(day, 'YYYY-MM-DD')` : 'model';
  const source = teamId === undefined ? 'usage_daily' : TEAM_USAGE;
  const { rows } = await asUser(pool, scope, (db) =>
    db.query(
      `SELECT ${key} AS key, SUM(tasks) AS tasks, SUM(input_tokens) AS input_tokens, SUM(output_tokens) AS output_tokens,
            SUM(cached_tokens) AS cached_tokens, SUM(reasoning_tokens) AS reasoning_tokens,
            COALESCE(SUM(cost), 0)::text AS cost, SUM(unpriced_tasks) AS unpriced_tasks
     FROM ${source} WHERE ${where.join(' AND ')} GROUP BY 1 ORDER BY 1`,
      params,
    ),
  );
  return {
    rows: rows.map((raw) => {
      const r = usageRow.parse(raw);
      const base = {
        tasks: r.tasks,
        inputTokens: r.input_tokens,
        outputTokens: r.output_tokens,
        cachedInputTokens: r.cached_tokens,
        reasoningTokens: r.reasoning_tokens,
        cost: money(r.cost),
        unpricedTasks: r.unpriced_tasks,
      };
      return options.groupBy === 'day' ? { day: String(r.key), ...base } : { model: String(r.key), ...base };
    }),
  };
}
