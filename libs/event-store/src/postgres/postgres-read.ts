import type { Pool } from 'pg';
import { RUN_STREAM_PREFIX, fromRunStreamId } from '@ledger/domain';
import type { ReadStreamOptions, GlobalPosition, RecordedEvent } from '../event-store.port';
import { toStoreError } from './postgres-errors';
import { EVENT_COLUMNS, ONE_STREAM, toRecordedRows, type EventRow } from './postgres-rows';

/** Reads of the PostgreSQL store: plain queries on the pool; the database being away is `StoreUnavailable`. */

const RUN_STREAMS = `${RUN_STREAM_PREFIX}%`;

async function query<R extends object>(pool: Pool, sql: string, params: unknown[]): Promise<R[]> {
  try {
    return (await pool.query<R>(sql, params)).rows;
  } catch (error) {
    throw toStoreError(error);
  }
}

export async function readStream(
  pool: Pool,
  streamId: string,
  options: ReadStreamOptions = {},
): Promise<RecordedEvent[]> {
  const backwards = options.direction === 'backwards';
  const rows = await query<EventRow>(
    pool,
    `SELECT ${EVENT_COLUMNS} FROM events
     WHERE ${ONE_STREAM} AND stream_revision >= $2 AND stream_revision <= $3
     ORDER BY stream_revision ${backwards ? 'DESC' : 'ASC'} LIMIT $4`,
    [
      streamId,
      backwards ? 0 : (options.fromRevision ?? 0),
      backwards
        ? (options.fromRevision ?? Number.MAX_SAFE_INTEGER)
        : (options.toRevision ?? Number.MAX_SAFE_INTEGER),
      options.maxCount ?? null,
    ],
  );
  return toRecordedRows(rows);
}

export async function streamRevision(pool: Pool, streamId: string): Promise<number | null> {
  const rows = await query<{ revision: string }>(pool, 'SELECT revision FROM streams WHERE stream_id = $1', [
    streamId,
  ]);
  return rows.length ? Number(rows[0].revision) : null;
}

/**
 * The run streams' events after `after`, in commit order. Only transactions older than every one still open are
 * visible (`pg_snapshot_xmin`), so a reader never passes an event that a slower transaction commits later.
 */
export async function readAll(
  pool: Pool,
  after: GlobalPosition | null,
  limit: number,
  streamPrefix: string = RUN_STREAM_PREFIX,
): Promise<RecordedEvent[]> {
  const rows = await query<EventRow>(
    pool,
    logPageSql({ commit: '$1::text', prepare: '$2::bigint', limit: '$3', pattern: '$4' }),
    [String(after?.commit ?? 0n), String(after?.prepare ?? 0n), limit, `${streamPrefix}%`],
  );
  return toRecordedRows(rows);
}

/**
 * The statement of a page of the log after a position (`readAll`'s, and the COPY of a whole pass in
 * postgres-read-log.ts), its values given as SQL: parameters, or literals where COPY takes none. One statement, so
 * both reads keep the same visibility rule and order.
 */
export function logPageSql(v: { commit: string; prepare: string; limit: string; pattern: string }): string {
  return `SELECT ${EVENT_COLUMNS} FROM events
     WHERE (transaction_id, position) > (${v.commit}::xid8, ${v.prepare})
       AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
       AND stream_id LIKE ${v.pattern}
     ORDER BY transaction_id, position LIMIT ${v.limit}`;
}

export async function headPosition(pool: Pool): Promise<GlobalPosition | null> {
  const rows = await query<{ tx: string; position: string }>(
    pool,
    `SELECT transaction_id::text AS tx, position FROM events WHERE stream_id LIKE $1
     ORDER BY transaction_id DESC, position DESC LIMIT 1`,
    [RUN_STREAMS],
  );
  return rows.length ? { commit: BigInt(rows[0].tx), prepare: BigInt(rows[0].position) } : null;
}

export async function countAfter(pool: Pool, after: GlobalPosition | null, cap: number): Promise<number> {
  const rows = await query<{ n: string }>(
    pool,
    `SELECT count(*) AS n FROM (SELECT 1 FROM events
     WHERE (transaction_id, position) > ($1::text::xid8, $2::bigint) AND stream_id LIKE $4 LIMIT $3) x`,
    [String(after?.commit ?? 0n), String(after?.prepare ?? 0n), cap, RUN_STREAMS],
  );
  return Number(rows[0].n);
}

function runIds(rows: ReadonlyArray<{ stream_id: string }>): string[] {
  return rows.map((r) => fromRunStreamId(r.stream_id)).filter((id): id is string => id !== null);
}

export async function runIdsOfUser(pool: Pool, userId: string): Promise<string[]> {
  const rows = await query<{ stream_id: string }>(
    pool,
    `SELECT stream_id FROM events WHERE type = 'RunStarted' AND data->>'userId' = $1 AND stream_id LIKE $2
     ORDER BY position`,
    [userId, RUN_STREAMS],
  );
  return runIds(rows);
}

export async function runIdsWithModel(pool: Pool, model: string | undefined): Promise<string[]> {
  const rows = await query<{ stream_id: string }>(
    pool,
    `SELECT stream_id FROM events
     WHERE type = 'TaskCreated' AND ($1::text IS NULL OR data->>'model' = $1) AND stream_id LIKE $2
     GROUP BY stream_id ORDER BY MIN(position)`,
    [model ?? null, RUN_STREAMS],
  );
  return runIds(rows);
}
