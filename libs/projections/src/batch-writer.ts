import type { RecordedEvent } from '@ledger/event-store';
import {
  diffBatch,
  foldBatch,
  restrictBatch,
  type FoldedBatch,
  type RowChanges,
  type RunFailure,
} from './run-view.batch';
import type { RunViewModel } from './run-view.fold';
import { writeChanges, type Queryable, type ReadModelTables } from './projector.sql';
import type { StatementBatch } from './statement-batch';

/**
 * Writing a folded batch so that a value PostgreSQL refuses stops only its run: the batch is written at once
 * (the usual case: one statement per table), and only when that fails with a data error is it written again
 * one run at a time, each behind a savepoint, to find the runs at fault and the first event of each that
 * cannot be stored. Needs a transaction (savepoints).
 */

/** PostgreSQL refused a value (data exception 22…, integrity 23…, program limit 54…), or JS could not serialise it. */
export function isDataError(error: unknown): boolean {
  if (error instanceof RangeError) return true;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^(22|23|54)/.test(code);
}

export interface WrittenBatch {
  /** The batch as written: a run stopped by a data error has its last writable view and a failure. */
  readonly folded: FoldedBatch;
  /** The rows written. */
  readonly changes: RowChanges;
}

/** Writes `changes` behind a savepoint; a data error is undone and returned, any other error thrown. */
export async function attempt(
  q: Queryable,
  tables: ReadModelTables,
  changes: RowChanges,
  keep: boolean,
): Promise<unknown> {
  await q.query('SAVEPOINT rows');
  try {
    await writeChanges(q, tables, changes);
  } catch (error) {
    if (!isDataError(error)) throw error;
    await q.query('ROLLBACK TO SAVEPOINT rows; RELEASE SAVEPOINT rows');
    return error;
  }
  await q.query(keep ? 'RELEASE SAVEPOINT rows' : 'ROLLBACK TO SAVEPOINT rows; RELEASE SAVEPOINT rows');
  return null;
}

/** A data error met on the at-once path: the transaction is aborted; the batch is to be written again behind savepoints. */
export class NeedsSavepoints extends Error {
  constructor(override readonly cause: unknown) {
    super('a value of the batch was refused: write it again run by run');
    this.name = 'NeedsSavepoints';
  }
}

/** Runs a write of the at-once path: a data error is {@link NeedsSavepoints}, any other error is itself. */
async function atOnce(write: () => Promise<void>): Promise<void> {
  try {
    await write();
  } catch (error) {
    throw isDataError(error) ? new NeedsSavepoints(error) : error;
  }
}

/** Sends the statements a {@link StatementBatch} gathered; a data error is {@link NeedsSavepoints}. */
export function sendAtOnce(batch: StatementBatch): Promise<void> {
  return atOnce(() => batch.flush());
}

/**
 * Writes a folded batch. `atOnce`: the usual case, without the two round trips of a savepoint — a data error aborts
 * the transaction and is thrown as {@link NeedsSavepoints}, so the caller rolls back and writes the same batch again
 * without it. Otherwise behind savepoints, finding the runs at fault (the rows written either way are the same).
 */
export async function writeFolded(
  q: Queryable,
  tables: ReadModelTables,
  base: ReadonlyMap<string, RunViewModel | null>,
  folded: FoldedBatch,
  options: { atOnce?: boolean } = {},
): Promise<WrittenBatch> {
  const changes = diffBatch(base, folded);
  if (options.atOnce) {
    await atOnce(() => writeChanges(q, tables, changes));
    return { folded, changes };
  }
  if ((await attempt(q, tables, changes, true)) === null) return { folded, changes };

  const after = new Map(folded.after);
  const failures = new Map(folded.failures);
  const written: RowChanges[] = [];
  for (const runId of folded.after.keys()) {
    const one = diffBatch(base, restrictBatch(folded, [runId]));
    const error = await attempt(q, tables, one, true);
    if (error === null) {
      written.push(one);
      continue;
    }
    const prefix = await writablePrefix(
      q,
      tables,
      runId,
      base.get(runId) ?? null,
      folded.applied.get(runId) ?? [],
      error,
    );
    after.set(runId, prefix.view);
    failures.set(runId, prefix.failure);
    written.push(prefix.changes);
  }
  return { folded: { ...folded, after, failures }, changes: mergeChanges(written) };
}

/**
 * Writes the longest prefix of a run's events whose view PostgreSQL stores, and returns the first event it
 * refused. A refused value stays in the view once there (a total, a time), so the prefixes that fail are the
 * longer ones and a bisection finds the first: the live projector (over a batch) and a rebuild (over the whole
 * stream) stop the run at the same event, so they write the same rows.
 */
export async function writablePrefix(
  q: Queryable,
  tables: ReadModelTables,
  runId: string,
  base: RunViewModel | null,
  events: readonly RecordedEvent[],
  firstError: unknown,
): Promise<{ view: RunViewModel | null; changes: RowChanges; failure: RunFailure }> {
  if (events.length === 0) throw firstError;
  const baseMap = new Map([[runId, base]]);
  const prefix = (k: number) => foldBatch(baseMap, events.slice(0, k));
  let lo = 0;
  let hi = events.length;
  let error = firstError;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    const e = await attempt(q, tables, diffBatch(baseMap, prefix(mid)), false);
    if (e === null) lo = mid;
    else [hi, error] = [mid, e];
  }
  const good = prefix(lo);
  const changes = diffBatch(baseMap, good);
  if (lo > 0) {
    const e = await attempt(q, tables, changes, true);
    if (e !== null) throw e;
  }
  return {
    view: lo > 0 ? (good.after.get(runId) ?? null) : base,
    changes,
    failure: { event: events[hi - 1], error },
  };
}

function mergeChanges(list: readonly RowChanges[]): RowChanges {
  return {
    runs: list.flatMap((c) => c.runs),
    messagesUnchanged: new Set(list.flatMap((c) => [...c.messagesUnchanged])),
    touchedOnly: new Set(list.flatMap((c) => [...c.touchedOnly])),
    tasks: list.flatMap((c) => c.tasks),
    textAppends: new Map(list.flatMap((c) => [...c.textAppends])),
    deletedRunIds: list.flatMap((c) => c.deletedRunIds),
    usage: list.flatMap((c) => c.usage),
  };
}
