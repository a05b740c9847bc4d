import { z } from 'zod';
import { runView, taskView, type RunView, type TaskView } from '@ledger/contract';
import type { RunViewModel } from './run-view.fold';
import { money } from '@ledger/money';

/**
 * A row is the view serialised: one `ai_runs` row for the run, one `ai_tasks` row per task. The column lists
 * below drive every writer (projector, rebuild) and every reader (queries, view loading), so a column is
 * spelled once.
 */

/** `parser` names how a value is read back when the SQL type alone does not say (a numeric that is a count). */
type Column = readonly [column: string, sqlType: string, field: string, parser?: string];

export const RUN_COLUMNS: readonly Column[] = [
  ['id', 'uuid', 'id'],
  ['user_id', 'uuid', 'userId'],
  ['team_id', 'uuid', 'teamId'],
  ['source_type', 'text', 'sourceType'],
  ['source_id', 'text', 'sourceId'],
  ['name', 'text', 'name'],
  ['messages', 'jsonb', 'messages'],
  ['settings', 'jsonb', 'settings'],
  ['variable_values', 'jsonb', 'variableValues'],
  ['broker_values', 'jsonb', 'brokerValues'],
  ['total_tokens', 'numeric', 'totalTokens', 'count'],
  ['total_cost', 'numeric', 'totalCost'],
  ['unpriced_task_count', 'bigint', 'unpricedTaskCount'],
  ['message_count', 'bigint', 'messageCount'],
  ['task_count', 'bigint', 'taskCount'],
  ['starred', 'boolean', 'starred'],
  ['archived', 'boolean', 'archived'],
  ['created_at', 'timestamptz', 'createdAt'],
  ['updated_at', 'timestamptz', 'updatedAt'],
  ['last_message_at', 'timestamptz', 'lastMessageAt'],
  ['version', 'bigint', 'version'],
];

export const TASK_COLUMNS: readonly Column[] = [
  ['id', 'uuid', 'id'],
  ['run_id', 'uuid', 'runId'],
  ['user_id', 'uuid', 'userId'],
  ['team_id', 'uuid', 'teamId'],
  ['task_id', 'uuid', 'taskId'],
  ['service', 'text', 'service'],
  ['task_name', 'text', 'taskName'],
  ['provider', 'text', 'provider'],
  ['endpoint', 'text', 'endpoint'],
  ['model', 'text', 'model'],
  ['model_id', 'text', 'modelId'],
  ['request_data', 'jsonb', 'requestData'],
  ['response_text', 'text', 'responseText'],
  ['response_data', 'jsonb', 'responseData'],
  ['response_info', 'jsonb', 'responseInfo'],
  ['response_errors', 'jsonb', 'responseErrors'],
  ['tool_updates', 'jsonb', 'toolUpdates'],
  ['data_chunks', 'jsonb', 'dataChunks'],
  ['tokens_input', 'bigint', 'tokensInput'],
  ['tokens_output', 'bigint', 'tokensOutput'],
  ['tokens_cached', 'bigint', 'tokensCached'],
  ['tokens_cache_write', 'bigint', 'tokensCacheWrite'],
  ['tokens_reasoning', 'bigint', 'tokensReasoning'],
  ['tokens_total', 'bigint', 'tokensTotal'],
  ['usage_source', 'text', 'usageSource'],
  ['cost', 'numeric', 'cost'],
  ['price_id', 'text', 'priceId'],
  ['reported_cost', 'numeric', 'reportedCost'],
  ['reported_cost_currency', 'text', 'reportedCostCurrency'],
  ['reported_cost_source', 'text', 'reportedCostSource'],
  ['time_to_first_token', 'double precision', 'timeToFirstToken'],
  ['total_time', 'double precision', 'totalTime'],
  ['status', 'text', 'status'],
  ['finish_reason', 'text', 'finishReason'],
  ['error', 'jsonb', 'error'],
  ['chunk_count', 'integer', 'chunkCount'],
  ['created_at', 'timestamptz', 'createdAt'],
  ['updated_at', 'timestamptz', 'updatedAt'],
  ['completed_at', 'timestamptz', 'completedAt'],
];

export type Row = Record<string, unknown>;

/** The columns a streamed chunk changes (withChunks): `response_text` grows, the others are set. */
const STREAMED_FIELDS: ReadonlySet<string> = new Set([
  'responseText',
  'status',
  'chunkCount',
  'timeToFirstToken',
  'updatedAt',
]);
export const STREAMED_TASK_COLUMNS: readonly Column[] = TASK_COLUMNS.filter(([, , f]) =>
  STREAMED_FIELDS.has(f),
);
const OTHER_TASK_FIELDS = TASK_COLUMNS.map(([, , f]) => f).filter((f) => !STREAMED_FIELDS.has(f));

/**
 * Whether `next` is `prev` with only `added` streamed onto its text: every column but the streamed ones holds the
 * same value (the fold copies what it does not change, so `===` is the test), and the text is as long as `prev`'s
 * and `added` together. The fold changes a task's text only by appending its chunks' text to it (`withChunks`),
 * so the lengths are the test, not the characters: comparing those read the whole text of every streaming task
 * in every batch. Such a row is written by appending `added` to the stored text rather than rewriting it whole.
 */
export function appendsText(prev: TaskView, next: TaskView, added: string): boolean {
  if (prev.responseText.length + added.length !== next.responseText.length) return false;
  const a = prev as unknown as Record<string, unknown>;
  const b = next as unknown as Record<string, unknown>;
  return OTHER_TASK_FIELDS.every((f) => a[f] === b[f]);
}

/** The run columns an event that only touches its run changes (`touch` in run-view.fold.ts: a chunk, a share). */
const TOUCH_FIELDS: ReadonlySet<string> = new Set(['updatedAt', 'version']);
export const TOUCHED_RUN_COLUMNS: readonly Column[] = RUN_COLUMNS.filter(
  ([c, , f]) => c === 'id' || TOUCH_FIELDS.has(f),
);
const OTHER_RUN_FIELDS = RUN_COLUMNS.map(([, , f]) => f).filter((f) => !TOUCH_FIELDS.has(f));

/**
 * Whether `next` is `prev` with only its activity time and version moved (every other column the same value:
 * the fold copies what it does not change, so `===` is the test). While tasks stream, that is every run a batch
 * touches; its row is then updated in those two columns alone, not rewritten from all of them.
 */
export function onlyTouches(prev: RunView, next: RunView): boolean {
  const a = prev as unknown as Record<string, unknown>;
  const b = next as unknown as Record<string, unknown>;
  return OTHER_RUN_FIELDS.every((f) => a[f] === b[f]);
}

function toRow(columns: readonly Column[], view: Record<string, unknown>): Row {
  const row: Row = {};
  for (const [column, , field] of columns) row[column] = view[field] ?? null;
  return row;
}

export function runToRow(run: RunView): Row {
  return toRow(RUN_COLUMNS, run);
}
export function taskToRow(task: TaskView): Row {
  return toRow(TASK_COLUMNS, { ...task, dataChunks: task.dataChunks ?? [] });
}

// Rows as node-postgres returns them: timestamptz as Date, numeric as string, bigint as number or string.
const time = z.union([z.date(), z.string()]).transform((v) => new Date(v).toISOString());
const count = z.union([z.number(), z.string()]).transform(Number);
const decimal = z.union([z.string(), z.number()]).transform((v) => money(v));

const fieldParsers: Record<string, z.ZodType> = {
  uuid: z.string(),
  text: z.string(),
  jsonb: z.unknown(),
  bigint: count,
  integer: count,
  count,
  'double precision': z.number(),
  numeric: decimal,
  boolean: z.boolean(),
  timestamptz: time,
};

function fromRow<T>(columns: readonly Column[], schema: z.ZodType<T>, row: Row): T {
  const view: Record<string, unknown> = {};
  for (const [column, sqlType, field, parser] of columns) {
    const value = row[column];
    view[field] = value === null || value === undefined ? null : fieldParsers[parser ?? sqlType].parse(value);
  }
  return schema.parse(view);
}

export function rowToRun(row: Row): RunView {
  return fromRow(RUN_COLUMNS, runView, row);
}
export function rowToTask(row: Row): TaskView {
  return fromRow(TASK_COLUMNS, taskView, row);
}

/** Tasks in the order every reader returns them: creation time, then row id. */
export function compareTasks(a: TaskView, b: TaskView): number {
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** What a client gets for a view: `{ run, tasks }`, the same shape `getRun` reads from the rows. */
export function serialiseView(view: RunViewModel): { run: RunView; tasks: TaskView[] } {
  return { run: view.run, tasks: [...view.tasks.values()].sort(compareTasks) };
}

/** A view from its rows (the projector's cache miss). */
export function viewFromRows(runRow: Row, taskRows: readonly Row[]): RunViewModel {
  const tasks = taskRows.map(rowToTask).sort(compareTasks);
  return { run: rowToRun(runRow), tasks: new Map(tasks.map((t) => [t.taskId, t])) };
}
