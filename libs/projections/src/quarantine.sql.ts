import { positionToString, type GlobalPosition } from '@ledger/event-store';
import type { Queryable, ReadModelTables } from './projector.sql';
import type { RunFailure } from './run-view.batch';

/** The quarantine of a projection (runs set aside with the event they stopped at) and the skipped events. */

export interface QuarantinedRun {
  readonly runId: string;
  readonly eventId: string;
  readonly eventType: string;
  readonly revision: number;
  readonly position: GlobalPosition;
  readonly error: string;
}

/** The longest error text kept (a PostgreSQL message can quote a whole value). */
const MAX_ERROR_LENGTH = 2000;

export function failureMessage(failure: RunFailure): string {
  const { error } = failure;
  const text = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | null)?.code;
  const full = typeof code === 'string' ? `${code}: ${text}` : text;
  return full.length > MAX_ERROR_LENGTH ? `${full.slice(0, MAX_ERROR_LENGTH - 1)}…` : full;
}

export function toQuarantined(runId: string, failure: RunFailure): QuarantinedRun {
  const { event } = failure;
  return {
    runId,
    eventId: event.id,
    eventType: event.type,
    revision: event.revision,
    position: event.position,
    error: failureMessage(failure),
  };
}

interface QuarantineRow {
  run_id: string;
  event_id: string;
  event_type: string;
  revision: string | number;
  commit_position: string;
  prepare_position: string;
  error: string;
}

export async function readQuarantine(q: Queryable, name: string): Promise<QuarantinedRun[]> {
  const { rows } = await q.query<QuarantineRow & Record<string, unknown>>(
    `SELECT run_id::text, event_id, event_type, revision, commit_position::text, prepare_position::text, error
     FROM projection_quarantine WHERE name = $1 ORDER BY commit_position, prepare_position, run_id`,
    [name],
  );
  return rows.map((r) => ({
    runId: r.run_id,
    eventId: r.event_id,
    eventType: r.event_type,
    revision: Number(r.revision),
    position: { commit: BigInt(r.commit_position), prepare: BigInt(r.prepare_position) },
    error: r.error,
  }));
}

export async function readSkipped(q: Queryable, name: string): Promise<Set<string>> {
  const { rows } = await q.query<{ event_id: string }>(
    'SELECT event_id FROM projection_skipped_events WHERE name = $1',
    [name],
  );
  return new Set(rows.map((r) => r.event_id));
}

/** Records runs as quarantined (replacing an earlier entry) and marks their rows. */
export async function quarantineRuns(
  q: Queryable,
  name: string,
  tables: ReadModelTables,
  runs: readonly QuarantinedRun[],
): Promise<void> {
  if (runs.length === 0) return;
  const json = JSON.stringify(
    runs.map((r) => ({
      run_id: r.runId,
      event_id: r.eventId,
      event_type: r.eventType,
      revision: r.revision,
      commit_position: String(r.position.commit),
      prepare_position: String(r.position.prepare),
      error: r.error,
    })),
  );
  await q.query(
    `INSERT INTO projection_quarantine (name, run_id, event_id, event_type, revision, commit_position, prepare_position, error, quarantined_at)
     SELECT $1, r.run_id, r.event_id, r.event_type, r.revision, r.commit_position, r.prepare_position, r.error, now()
     FROM jsonb_to_recordset($2::jsonb) AS r(run_id uuid, event_id text, event_type text, revision bigint,
       commit_position numeric, prepare_position numeric, error text)
     ON CONFLICT (name, run_id) DO UPDATE SET event_id = EXCLUDED.event_id, event_type = EXCLUDED.event_type,
       revision = EXCLUDED.revision, commit_position = EXCLUDED.commit_position,
       prepare_position = EXCLUDED.prepare_position, error = EXCLUDED.error, quarantined_at = EXCLUDED.quarantined_at`,
    [name, json],
  );
  await markRows(
    q,
    tables,
    runs.map((r) => r.runId),
  );
}

/** Sets the `quarantined` mark on the rows of these runs (their view stops right before the refused event). */
export async function markRows(
  q: Queryable,
  tables: ReadModelTables,
  runIds: readonly string[],
): Promise<void> {
  if (runIds.length === 0) return;
  await q.query(`UPDATE ${tables.runs} SET quarantined = true WHERE id = ANY($1::uuid[])`, [runIds]);
  await q.query(`UPDATE ${tables.tasks} SET quarantined = true WHERE run_id = ANY($1::uuid[])`, [runIds]);
}

export async function releaseRuns(q: Queryable, name: string, runIds: readonly string[]): Promise<void> {
  if (runIds.length === 0) return;
  await q.query('DELETE FROM projection_quarantine WHERE name = $1 AND run_id = ANY($2::uuid[])', [
    name,
    runIds,
  ]);
}

export async function clearQuarantine(q: Queryable, name: string): Promise<void> {
  await q.query('DELETE FROM projection_quarantine WHERE name = $1', [name]);
}

export async function addSkipped(q: Queryable, name: string, run: QuarantinedRun): Promise<void> {
  await q.query(
    `INSERT INTO projection_skipped_events (name, event_id, run_id, error, skipped_at) VALUES ($1, $2, $3, $4, now())
     ON CONFLICT (name, event_id) DO NOTHING`,
    [name, run.eventId, run.runId, run.error],
  );
}

/** Tells every live projector (in any process) to read the quarantine and the skips again. Returns the new epoch. */
export async function bumpEpoch(q: Queryable, name: string): Promise<string> {
  const { rows } = await q.query<{ epoch: string }>(
    `UPDATE projection_checkpoints SET quarantine_epoch = quarantine_epoch + 1 WHERE name = $1
     RETURNING quarantine_epoch::text AS epoch`,
    [name],
  );
  return rows[0]?.epoch ?? '0';
}

/** What `projections.status` shows of a quarantined run. */
export function describeQuarantined(r: QuarantinedRun): { runId: string; position: string; error: string } {
  return {
    runId: r.runId,
    position: positionToString(r.position),
    error: `${r.eventType}@${r.revision}: ${r.error}`,
  };
}
