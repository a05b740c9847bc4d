import type { Pool } from 'pg';
import { withTransaction } from '@ledger/database';
import { canonicalJson } from '@ledger/domain';
import type { RunView, TaskView } from '@ledger/contract';
import { comparePositions, logBatches, type EventStore } from '@ledger/event-store';
import { evolveRunView, type FoldScratch, type RunViewModel } from './run-view.fold';
import { runIdOf } from './run-view.batch';
import { rowToRun, rowToTask, serialiseView, type Row } from './run-view.rows';
import { readCheckpoint, type Queryable } from './projector.sql';
import { readQuarantine, readSkipped } from './quarantine.sql';

export interface Mismatch {
  readonly runId: string;
  /** A run field (`totalCost`), a task field (`tasks[<taskId>].responseText`), or `run` / `task` for a missing row. */
  readonly field: string;
  readonly expected: unknown;
  readonly actual: unknown;
}

export interface VerifyOptions {
  readonly store: EventStore;
  readonly pool: Pool;
  readonly name?: string;
  /** Events a page where the log is read by pages of `readAll` (a store without `readLog`; default 5000). */
  readonly pageSize?: number;
  /** Stop collecting after this many mismatches (default 1000). */
  readonly maxMismatches?: number;
}

/**
 * Folds every run stream on its own (the log up to the projection's checkpoint, grouped by stream, without the
 * skipped events, a quarantined run up to the event it stopped at) and compares the result with the rows, read
 * in one snapshot with that checkpoint and the quarantine. Run it on a quiet log: a stream erased
 * after the checkpoint has lost the events its rows still reflect.
 */
export async function verify(
  options: VerifyOptions,
): Promise<{ runs: number; quarantined: number; mismatches: Mismatch[] }> {
  const { store, pool } = options;
  const max = options.maxMismatches ?? 1000;
  const name = options.name ?? 'runs';
  // One snapshot of the checkpoint, the quarantine and the rows, so they agree with each other.
  const { checkpoint, quarantine, skipped, runRows, taskRows } = await withTransaction(
    pool,
    async (client) => ({
      checkpoint: await readCheckpoint(client as Queryable, name),
      quarantine: await readQuarantine(client as Queryable, name),
      skipped: await readSkipped(client as Queryable, name),
      runRows: (await client.query<Row>('SELECT * FROM ai_runs')).rows,
      taskRows: (await client.query<Row>('SELECT * FROM ai_tasks')).rows,
    }),
    { begin: 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY' },
  );
  const limit = checkpoint?.position ?? null;

  // A quarantined run's rows are its fold up to (not including) the event it stopped at.
  const stopAt = new Map(quarantine.map((r) => [r.runId, r.eventId]));
  const stopped = new Set<string>();
  /** Runs whose fold refused an event the quarantine does not name: the projection would have set them aside. */
  const refused = new Map<string, string>();
  const views = new Map<string, RunViewModel | null>();
  const scratch: FoldScratch = new WeakSet(); // every view here is made by this fold
  if (limit) {
    // The log as the rebuild reads it (PostgreSQL: by COPY); leaving it at the checkpoint ends the read there.
    outer: for await (const page of logBatches(store, null, options.pageSize ?? 5000)) {
      for (const event of page) {
        if (comparePositions(event.position, limit) > 0) break outer;
        const runId = runIdOf(event);
        if (!runId || skipped.has(event.id)) continue;
        if (stopAt.get(runId) === event.id) stopped.add(runId);
        if (stopped.has(runId) && event.type !== 'RunDeleted') continue;
        if (event.type === 'RunDeleted') refused.delete(runId); // an erasure always applies
        try {
          views.set(runId, evolveRunView(views.get(runId) ?? null, event, scratch));
        } catch {
          stopped.add(runId);
          refused.set(runId, event.id);
        }
      }
    }
  }

  const mismatches: Mismatch[] = [];
  const add = (m: Mismatch) => mismatches.length < max && mismatches.push(m);
  for (const [runId, eventId] of refused)
    add({ runId, field: 'quarantine', expected: eventId, actual: stopAt.get(runId) ?? null });
  const actualRuns = new Map(runRows.map((r) => [r.id as string, rowToRun(r)]));
  const actualTasks = new Map<string, TaskView[]>();
  for (const t of taskRows.map(rowToTask)) actualTasks.set(t.runId, [...(actualTasks.get(t.runId) ?? []), t]);

  const ids = new Set([...views.keys(), ...actualRuns.keys(), ...actualTasks.keys()]);
  let runs = 0;
  for (const runId of ids) {
    const view = views.get(runId) ?? null;
    const expected = view ? serialiseView(view) : null;
    const actualRun = actualRuns.get(runId) ?? null;
    if (expected) runs += 1;
    if (!expected || !actualRun) {
      if (expected || actualRun)
        add({
          runId,
          field: 'run',
          expected: expected ? 'present' : 'absent',
          actual: actualRun ? 'present' : 'absent',
        });
      if (!expected && actualTasks.has(runId))
        add({ runId, field: 'tasks', expected: 0, actual: actualTasks.get(runId)!.length });
      continue;
    }
    compareFields(runId, '', expected.run, actualRun, add);
    const tasks = new Map((actualTasks.get(runId) ?? []).map((t) => [t.taskId, t]));
    for (const task of expected.tasks) {
      const actual = tasks.get(task.taskId);
      if (!actual) add({ runId, field: `tasks[${task.taskId}]`, expected: 'present', actual: 'absent' });
      else compareFields(runId, `tasks[${task.taskId}].`, task, actual, add);
      tasks.delete(task.taskId);
    }
    for (const extra of tasks.keys())
      add({ runId, field: `tasks[${extra}]`, expected: 'absent', actual: 'present' });
  }
  return { runs, quarantined: quarantine.length, mismatches };
}

function compareFields(
  runId: string,
  prefix: string,
  expected: RunView | TaskView,
  actual: RunView | TaskView,
  add: (m: Mismatch) => void,
): void {
  const e = expected as Record<string, unknown>;
  const a = actual as Record<string, unknown>;
  for (const field of new Set([...Object.keys(e), ...Object.keys(a)])) {
    if (canonicalJson(e[field] ?? null) !== canonicalJson(a[field] ?? null))
      add({ runId, field: prefix + field, expected: e[field], actual: a[field] });
  }
}
