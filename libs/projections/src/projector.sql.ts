import type { GlobalPosition } from '@ledger/event-store';
import type { RunView, TaskView } from '@ledger/contract';
import {
  RUN_COLUMNS,
  STREAMED_TASK_COLUMNS,
  TASK_COLUMNS,
  TOUCHED_RUN_COLUMNS,
  runToRow,
  taskToRow,
  viewFromRows,
  type Row,
} from './run-view.rows';
import type { RunViewModel } from './run-view.fold';
import type { RowChanges, TextAppend, UsageDelta } from './run-view.batch';
import { escapeLiteral } from 'pg';

/** The SQL writers of the read models: set-based (one statement per table and batch, rows as one JSON array). */

export interface Queryable {
  query<R extends Row = Row>(
    text: string,
    values?: unknown[],
  ): Promise<{ rows: R[]; rowCount: number | null }>;
}

export interface ReadModelTables {
  readonly runs: string;
  readonly tasks: string;
  readonly usage: string;
}
/**
 * The tables the projector writes. Task rows are the table `ai_task_rows`, whose text is in two columns (the head
 * `response_text` and a short `response_text_tail`); readers read the view `ai_tasks` (TASKS_VIEW), whose
 * `response_text` is the whole text (migration …015).
 */
export const LIVE_TABLES: ReadModelTables = { runs: 'ai_runs', tasks: 'ai_task_rows', usage: 'usage_daily' };
export const SHADOW_TABLES: ReadModelTables = {
  runs: 'ai_runs_next',
  tasks: 'ai_task_rows_next',
  usage: 'usage_daily_next',
};

const ROWS_PER_STATEMENT = 2000;

function recordset(columns: readonly (readonly [string, string, ...unknown[]])[]): {
  columns: readonly string[];
  list: string;
  def: string;
  updates: string;
} {
  return {
    columns: columns.map(([c]) => c),
    list: columns.map(([c]) => c).join(', '),
    def: columns.map(([c, t]) => `${c} ${t}`).join(', '),
    updates: columns
      .filter(([c]) => c !== 'id')
      .map(([c]) => `${c} = EXCLUDED.${c}`)
      .join(', '),
  };
}
const RUNS = recordset(RUN_COLUMNS);
const RUNS_BUT_MESSAGES = recordset(RUN_COLUMNS.filter(([c]) => c !== 'messages'));
const TOUCHED_RUNS = recordset(TOUCHED_RUN_COLUMNS);
export const TASKS_VIEW = 'ai_tasks';
/** A task row written whole has its whole text in the head. */
const TASKS = (({ updates, ...set }) => ({ ...set, updates: `${updates}, response_text_tail = ''` }))(
  recordset(TASK_COLUMNS),
);
const STREAMED = recordset(STREAMED_TASK_COLUMNS.filter(([c]) => c !== 'response_text'));
/**
 * Bytes a task row's text tail may hold: a batch's text goes to the tail, and a tail that would grow past this goes
 * into the head with it. Small enough to stay in the row (PostgreSQL moves values out of a row past ~2 KB), so a
 * batch writes its own text plus at most this much, and the head is written once per this much text.
 */
export const TEXT_TAIL_BYTES = 1024;
const TAIL_FULL = `octet_length(t.response_text_tail) + octet_length(r.appended) > ${TEXT_TAIL_BYTES}`;
/** The statement of `appendTaskTexts` but for its table. */
const APPEND_TEXT = {
  set:
    `response_text = CASE WHEN ${TAIL_FULL} THEN t.response_text || t.response_text_tail || r.appended ELSE t.response_text END, ` +
    `response_text_tail = CASE WHEN ${TAIL_FULL} THEN '' ELSE t.response_text_tail || r.appended END, ` +
    STREAMED.updates.replace(/EXCLUDED\./g, 'r.'),
  def: `id uuid, appended text, ${STREAMED.def}`,
};

/**
 * A statement that an INSERT of rows is part of (`wrap(insert)`; the INSERT ends where RETURNING could follow):
 * a rebuild makes the runs' search documents from the rows it inserts, in the same statement (rebuild-search.ts).
 */
export type InsertWrapper = (insert: string) => string;

/** Rows are made from views a slice at a time, so a rebuild never holds every row (and its JSON) at once. */
async function writeRows<T>(
  q: Queryable,
  table: string,
  set: typeof RUNS,
  items: readonly T[],
  toRow: (item: T) => Row,
  upsert: boolean,
  wrap: InsertWrapper = (insert) => insert,
): Promise<void> {
  for (let i = 0; i < items.length; i += ROWS_PER_STATEMENT) {
    const slice = items.slice(i, i + ROWS_PER_STATEMENT).map(toRow);
    await q.query(
      wrap(
        `INSERT INTO ${table} (${set.list}) SELECT ${set.list} FROM jsonb_to_recordset($1::jsonb) AS r(${set.def})` +
          (upsert ? ` ON CONFLICT (id) DO UPDATE SET ${set.updates}` : ''),
      ),
      [JSON.stringify(slice)],
    );
  }
}

export function writeRuns(
  q: Queryable,
  tables: ReadModelTables,
  runs: readonly RunView[],
  upsert = true,
  wrap?: InsertWrapper,
): Promise<void> {
  return writeRows(q, tables.runs, RUNS, runs, runToRow, upsert, wrap);
}
/**
 * Updates existing run rows in the columns of `set` alone: all but `messages` (which can be megabytes for a long
 * conversation), or only the activity time and version (`onlyTouches`: the runs of streaming tasks, every batch;
 * fewer values to parse and set than the whole row, ~35 % less time per statement in PostgreSQL).
 */
async function updateRuns(
  q: Queryable,
  tables: ReadModelTables,
  runs: readonly RunView[],
  set: typeof RUNS,
): Promise<void> {
  const rows = runs.map((run) => {
    const full = runToRow(run);
    const row: Row = {};
    for (const column of set.columns) row[column] = full[column];
    return row;
  });
  for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
    await q.query(
      `UPDATE ${tables.runs} AS t SET ${set.updates.replace(/EXCLUDED\./g, 'r.')}
       FROM jsonb_to_recordset($1::jsonb) AS r(${set.def}) WHERE t.id = r.id`,
      [JSON.stringify(rows.slice(i, i + ROWS_PER_STATEMENT))],
    );
  }
}

export function writeTasks(
  q: Queryable,
  tables: ReadModelTables,
  tasks: readonly TaskView[],
  upsert = true,
): Promise<void> {
  return writeRows(q, tables.tasks, TASKS, tasks, taskToRow, upsert);
}

/**
 * Writes tasks that only streamed text (`RowChanges.textAppends`): their stored text gets what was added, the
 * other streamed columns are set. What is sent is the batch's chunks, not the tasks' texts, and PostgreSQL
 * parses that much (the whole row and its text, up to megabytes per task, was the projector's largest cost). It is
 * appended to the row's text tail, so PostgreSQL writes that much too (TEXT_TAIL_BYTES): a text of one column was
 * written whole by every batch, ~60 % of PostgreSQL's time at 1 chunk a command (docs/performance.md, finding 30).
 */
export async function appendTaskTexts(
  q: Queryable,
  tables: ReadModelTables,
  tasks: readonly TaskView[],
  appends: ReadonlyMap<string, TextAppend>,
): Promise<void> {
  for (let i = 0; i < tasks.length; i += ROWS_PER_STATEMENT) {
    const rows = tasks.slice(i, i + ROWS_PER_STATEMENT).map((task) => {
      const row = taskToRow(task);
      const streamed: Row = { id: row.id, appended: appends.get(task.id)!.added };
      for (const [c] of STREAMED_TASK_COLUMNS) if (c !== 'response_text') streamed[c] = row[c];
      return streamed;
    });
    await q.query(
      `UPDATE ${tables.tasks} AS t SET ${APPEND_TEXT.set}
       FROM jsonb_to_recordset($1::jsonb) AS r(${APPEND_TEXT.def}) WHERE t.id = r.id`,
      [JSON.stringify(rows)],
    );
  }
}

export async function deleteRuns(
  q: Queryable,
  tables: ReadModelTables,
  runIds: readonly string[],
): Promise<void> {
  if (runIds.length === 0) return;
  await q.query(`DELETE FROM ${tables.tasks} WHERE run_id = ANY($1::uuid[])`, [runIds]);
  await q.query(`DELETE FROM ${tables.runs} WHERE id = ANY($1::uuid[])`, [runIds]);
}

const USAGE_DEF =
  'user_id uuid, day date, model text, provider text, tasks bigint, input_tokens numeric, output_tokens numeric, cached_tokens numeric, reasoning_tokens numeric, cost numeric, unpriced_tasks bigint';
const USAGE_LIST =
  'user_id, day, model, provider, tasks, input_tokens, output_tokens, cached_tokens, reasoning_tokens, cost, unpriced_tasks';

/** Adds usage deltas (negative to take a task out) and removes the rows that fall to nothing. */
export async function applyUsage(
  q: Queryable,
  tables: ReadModelTables,
  deltas: readonly UsageDelta[],
): Promise<void> {
  if (deltas.length === 0) return;
  const t = tables.usage;
  for (let i = 0; i < deltas.length; i += ROWS_PER_STATEMENT) {
    const json = JSON.stringify(deltas.slice(i, i + ROWS_PER_STATEMENT));
    await q.query(
      `INSERT INTO ${t} AS u (${USAGE_LIST}) SELECT ${USAGE_LIST} FROM jsonb_to_recordset($1::jsonb) AS r(${USAGE_DEF})
       ON CONFLICT (user_id, day, model) DO UPDATE SET
         tasks = u.tasks + EXCLUDED.tasks,
         input_tokens = u.input_tokens + EXCLUDED.input_tokens,
         output_tokens = u.output_tokens + EXCLUDED.output_tokens,
         cached_tokens = u.cached_tokens + EXCLUDED.cached_tokens,
         reasoning_tokens = u.reasoning_tokens + EXCLUDED.reasoning_tokens,
         cost = trim_scale(u.cost + EXCLUDED.cost),
         unpriced_tasks = u.unpriced_tasks + EXCLUDED.unpriced_tasks`,
      [json],
    );
    await q.query(
      `DELETE FROM ${t} u USING jsonb_to_recordset($1::jsonb) AS r(user_id uuid, day date, model text)
       WHERE u.user_id = r.user_id AND u.day = r.day AND u.model = r.model AND u.tasks = 0`,
      [json],
    );
  }
}

export async function writeChanges(
  q: Queryable,
  tables: ReadModelTables,
  changes: RowChanges,
): Promise<void> {
  await deleteRuns(q, tables, changes.deletedRunIds);
  const full: RunView[] = [];
  const kept: RunView[] = [];
  const touched: RunView[] = [];
  for (const run of changes.runs)
    (changes.touchedOnly.has(run.id) ? touched : changes.messagesUnchanged.has(run.id) ? kept : full).push(
      run,
    );
  if (full.length) await writeRuns(q, tables, full);
  if (kept.length) await updateRuns(q, tables, kept, RUNS_BUT_MESSAGES);
  if (touched.length) await updateRuns(q, tables, touched, TOUCHED_RUNS);
  const appends = changes.textAppends;
  const whole = appends.size ? changes.tasks.filter((t) => !appends.has(t.id)) : changes.tasks;
  if (whole.length) await writeTasks(q, tables, whole);
  if (appends.size)
    await appendTaskTexts(
      q,
      tables,
      changes.tasks.filter((t) => appends.has(t.id)),
      appends,
    );
  await applyUsage(q, tables, changes.usage);
}

/** The views of some runs from their rows (absent runs are null). */
export async function loadViews(
  q: Queryable,
  tables: ReadModelTables,
  runIds: readonly string[],
): Promise<Map<string, RunViewModel | null>> {
  const views = new Map<string, RunViewModel | null>(runIds.map((id) => [id, null]));
  if (runIds.length === 0) return views;
  const runs = await q.query(`SELECT * FROM ${tables.runs} WHERE id = ANY($1::uuid[])`, [runIds]);
  const tasks = await q.query(`SELECT * FROM ${tables.tasks} WHERE run_id = ANY($1::uuid[])`, [runIds]);
  const byRun = new Map<string, Row[]>();
  for (const t of tasks.rows) {
    t.response_text = `${t.response_text as string}${t.response_text_tail as string}`;
    delete t.response_text_tail;
    const list = byRun.get(t.run_id as string) ?? [];
    list.push(t);
    byRun.set(t.run_id as string, list);
  }
  for (const r of runs.rows) views.set(r.id as string, viewFromRows(r, byRun.get(r.id as string) ?? []));
  return views;
}

// ---- checkpoints ----------------------------------------------------------------------------------------

/** `stalled`: a batch keeps failing with an error that is not the data of one run (the database is away…). */
export type CheckpointState = 'running' | 'failed' | 'rebuilding' | 'stopped' | 'stalled';

export interface Checkpoint {
  readonly name: string;
  readonly position: GlobalPosition | null;
  readonly state: CheckpointState;
  readonly error: string | null;
  /** Moves with every change to the quarantine or the skips, by any process. */
  readonly quarantineEpoch: string;
}

interface CheckpointRow extends Row {
  name: string;
  commit_position: string | null;
  prepare_position: string | null;
  state: CheckpointState;
  error: string | null;
  quarantine_epoch: string;
}

const CHECKPOINT_COLUMNS =
  'name, commit_position::text, prepare_position::text, state, error, quarantine_epoch::text';

function toCheckpoint(r: CheckpointRow): Checkpoint {
  const position =
    r.commit_position === null || r.prepare_position === null
      ? null
      : { commit: BigInt(r.commit_position), prepare: BigInt(r.prepare_position) };
  return { name: r.name, position, state: r.state, error: r.error, quarantineEpoch: r.quarantine_epoch };
}

export async function ensureCheckpoint(q: Queryable, name: string): Promise<void> {
  await q.query(
    `INSERT INTO projection_checkpoints (name, state) VALUES ($1, 'running') ON CONFLICT (name) DO NOTHING`,
    [name],
  );
}

export async function readCheckpoint(
  q: Queryable,
  name: string,
  forUpdate = false,
): Promise<Checkpoint | null> {
  const { rows } = await q.query<CheckpointRow>(
    `SELECT ${CHECKPOINT_COLUMNS} FROM projection_checkpoints WHERE name = $1${forUpdate ? ' FOR UPDATE' : ''}`,
    [name],
  );
  return rows.length ? toCheckpoint(rows[0]) : null;
}

/**
 * The statements that open a projector batch's transaction and lock its checkpoint row, sent as one round trip
 * (the name is written in: this is the simple protocol); {@link lockedCheckpoint} reads their answer.
 */
export function beginLockingCheckpoint(name: string): string {
  return `BEGIN; SELECT ${CHECKPOINT_COLUMNS} FROM projection_checkpoints WHERE name = ${escapeLiteral(name)} FOR UPDATE`;
}
export function lockedCheckpoint(begun: { rows: Row[] } | { rows: Row[] }[]): Checkpoint | null {
  const rows = (Array.isArray(begun) ? begun[begun.length - 1] : begun).rows as CheckpointRow[];
  return rows.length ? toCheckpoint(rows[0]) : null;
}

export async function readCheckpoints(q: Queryable): Promise<Checkpoint[]> {
  const { rows } = await q.query<CheckpointRow>(
    `SELECT ${CHECKPOINT_COLUMNS} FROM projection_checkpoints ORDER BY name`,
  );
  return rows.map(toCheckpoint);
}

/** Operational metadata: `updated_at` is the wall clock here (it is no read-model value). */
export async function writeCheckpoint(
  q: Queryable,
  name: string,
  position: GlobalPosition | null,
  state: CheckpointState,
  error: string | null = null,
): Promise<void> {
  await q.query(
    `INSERT INTO projection_checkpoints (name, commit_position, prepare_position, state, error, updated_at)
     VALUES ($1, $2::numeric, $3::numeric, $4, $5, now())
     ON CONFLICT (name) DO UPDATE SET commit_position = EXCLUDED.commit_position, prepare_position = EXCLUDED.prepare_position,
       state = EXCLUDED.state, error = EXCLUDED.error, updated_at = EXCLUDED.updated_at`,
    [
      name,
      position ? String(position.commit) : null,
      position ? String(position.prepare) : null,
      state,
      error,
    ],
  );
}

export async function setCheckpointState(
  q: Queryable,
  name: string,
  state: CheckpointState,
  error: string | null = null,
): Promise<void> {
  await q.query(
    'UPDATE projection_checkpoints SET state = $2, error = $3, updated_at = now() WHERE name = $1',
    [name, state, error],
  );
}

/**
 * Marks a checkpoint `stalled` only while it is still at `at`, the position the failed batch started from. The mark
 * is sent outside the batch's transaction, so it can reach PostgreSQL after a retry committed (it then waits on the
 * row lock and re-reads the row): a mark that overwrote the retry's `running` would report a healthy projector
 * stalled until its next commit, which an idle log never brings.
 */
export async function markStalled(
  q: Queryable,
  name: string,
  at: GlobalPosition | null,
  error: string,
): Promise<void> {
  await q.query(
    `UPDATE projection_checkpoints SET state = 'stalled', error = $2, updated_at = now()
     WHERE name = $1 AND commit_position IS NOT DISTINCT FROM $3::numeric
       AND prepare_position IS NOT DISTINCT FROM $4::numeric`,
    [name, error, at ? String(at.commit) : null, at ? String(at.prepare) : null],
  );
}

/** Plain insert of already-summed usage rows (a rebuild's first load). */
export async function insertUsage(
  q: Queryable,
  tables: ReadModelTables,
  rows: readonly UsageDelta[],
): Promise<void> {
  for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
    await q.query(
      `INSERT INTO ${tables.usage} (${USAGE_LIST}) SELECT ${USAGE_LIST} FROM jsonb_to_recordset($1::jsonb) AS r(${USAGE_DEF})`,
      [JSON.stringify(rows.slice(i, i + ROWS_PER_STATEMENT))],
    );
  }
}
