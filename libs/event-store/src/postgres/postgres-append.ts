import type { Pool } from 'pg';
import { withTransaction } from '@ledger/database';
import {
  StoreUnavailable,
  WrongExpectedRevision,
  type AppendResult,
  type StreamAppend,
} from '../event-store.port';
import { EventColumns, encodeAppend, insertEvents, type EncodedAppend } from './event-columns';
import { isConnectionError, toAppendError } from './postgres-errors';
import { EVENTS_CHANNEL } from './postgres-rows';

type Outcome = AppendResult | Error;

/**
 * Appends to many streams, each with its own outcome. `onWritten` runs once after a commit that wrote events
 * (it wakes this process's subscriptions without waiting for the NOTIFY round trip).
 */
export async function appendMany(
  pool: Pool,
  appends: readonly StreamAppend[],
  onWritten: () => void,
): Promise<Outcome[]> {
  const results: Outcome[] = new Array(appends.length);
  const storable: Array<{ index: number; encoded: EncodedAppend }> = [];
  appends.forEach((append, index) => {
    try {
      storable.push({ index, encoded: encodeAppend(append) });
    } catch (error) {
      results[index] = error as Error;
    }
  });
  const written = await appendSplitting(
    pool,
    storable.map((s) => s.encoded),
  );
  storable.forEach((s, i) => (results[s.index] = written[i]));
  if (written.some((r) => !(r instanceof Error) && r.written)) onWritten();
  return results.map((r) => (r instanceof Error ? r : { nextRevision: r.nextRevision }));
}

interface Written extends AppendResult {
  /** Whether this append wrote events (an empty append at its revision writes none). */
  readonly written: boolean;
}

/**
 * Appends the batch in one statement. One stream's failure must not fail the others, nor cost each of them a
 * statement: a batch that fails for a reason of its content (a duplicate event id, a value the checks above do
 * not know) is split in halves, each appended as one statement, so the others pay about log2(n) statements.
 */
async function appendSplitting(pool: Pool, batch: readonly EncodedAppend[]): Promise<Array<Written | Error>> {
  if (batch.length === 0) return [];
  try {
    return await appendAll(pool, batch);
  } catch (error) {
    if (isConnectionError(error) || batch.length === 1)
      return batch.map((b) => toAppendError(error, b.append.streamId));
    const half = Math.ceil(batch.length / 2);
    return [
      ...(await appendSplitting(pool, batch.slice(0, half))),
      ...(await appendSplitting(pool, batch.slice(half))),
    ];
  }
}

/** One statement when every stream is named once at an exact revision (the writer's case), else a transaction. */
function appendAll(pool: Pool, appends: readonly EncodedAppend[]): Promise<Array<Written | Error>> {
  const exact = appends.every((a) => a.append.expectedRevision !== 'any');
  const unique = new Set(appends.map((a) => a.append.streamId)).size === appends.length;
  return exact && unique ? appendInOneStatement(pool, appends) : appendInOneTransaction(pool, appends);
}

/**
 * The group-commit append in ONE round trip: data-modifying CTEs lock the streams' rows, keep the streams at
 * their expected revision, insert their events, move their revisions and NOTIFY, atomically (one implicit
 * transaction). A stream that is not at its expected revision writes nothing and gets its own conflict.
 */
async function appendInOneStatement(
  pool: Pool,
  encoded: readonly EncodedAppend[],
): Promise<Array<Written | Error>> {
  const streams = { id: [] as string[], expected: [] as number[], next: [] as number[] };
  const cols = new EventColumns();
  for (const e of encoded) {
    const expected = e.append.expectedRevision as number;
    streams.id.push(e.append.streamId);
    streams.expected.push(expected);
    streams.next.push(expected + e.append.events.length);
    cols.add(e, expected);
  }
  const appends = encoded.map((e) => e.append);
  const { rows } = await pool.query<{ stream_id: string; ok: boolean; actual: string | null }>(
    `WITH input AS (SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[]) AS i(stream_id, expected, next)),
     current AS (SELECT s.stream_id, s.revision FROM streams s
                 WHERE s.stream_id IN (SELECT stream_id FROM input) ORDER BY s.stream_id FOR UPDATE),
     ok AS (SELECT i.stream_id, i.next FROM input i LEFT JOIN current c ON c.stream_id = i.stream_id
            WHERE COALESCE(c.revision, -1) = i.expected AND i.next > i.expected),
     ev AS (${insertEvents(4, ' WHERE e.s IN (SELECT stream_id FROM ok)')} RETURNING 1),
     st AS (INSERT INTO streams (stream_id, revision) SELECT stream_id, next FROM ok
            ON CONFLICT (stream_id) DO UPDATE SET revision = EXCLUDED.revision RETURNING 1),
     note AS (SELECT pg_notify('${EVENTS_CHANNEL}', '') FROM (SELECT 1 FROM ev LIMIT 1) x)
     SELECT i.stream_id, (o.stream_id IS NOT NULL) AS ok, c.revision::text AS actual,
            (SELECT count(*) FROM note) + (SELECT count(*) FROM st) AS done
     FROM input i LEFT JOIN ok o ON o.stream_id = i.stream_id LEFT JOIN current c ON c.stream_id = i.stream_id`,
    [streams.id, streams.expected, streams.next, ...cols.params()],
  );
  const outcome = new Map(rows.map((r) => [r.stream_id, r]));
  return appends.map((a, i): Written | Error => {
    const r = outcome.get(a.streamId);
    if (r?.ok) return { nextRevision: streams.next[i], written: true };
    if (a.events.length === 0 && r && Number(r.actual ?? -1) === a.expectedRevision)
      return { nextRevision: streams.expected[i], written: false };
    return new WrongExpectedRevision(
      a.streamId,
      a.expectedRevision,
      r?.actual == null ? null : Number(r.actual),
    );
  });
}

/** Appends that name a stream twice or at `any` revision: locked reads of the revisions, then one insert. */
function appendInOneTransaction(
  pool: Pool,
  encoded: readonly EncodedAppend[],
): Promise<Array<Written | Error>> {
  const appends = encoded.map((e) => e.append);
  return withTransaction(
    pool,
    async (client) => {
      const ids = [...new Set(appends.map((a) => a.streamId))];
      const current = new Map<string, number>();
      const { rows } = await client.query<{ stream_id: string; revision: string }>(
        'SELECT stream_id, revision FROM streams WHERE stream_id = ANY($1::text[]) ORDER BY stream_id FOR UPDATE',
        [ids],
      );
      for (const r of rows) current.set(r.stream_id, Number(r.revision));

      const results: Array<Written | Error> = [];
      const cols = new EventColumns();
      const heads = new Map<string, number>();
      for (const e of encoded) {
        const append = e.append;
        const actual = heads.get(append.streamId) ?? current.get(append.streamId) ?? -1;
        if (append.expectedRevision !== 'any' && append.expectedRevision !== actual) {
          results.push(
            new WrongExpectedRevision(append.streamId, append.expectedRevision, actual < 0 ? null : actual),
          );
          continue;
        }
        const rev = cols.add(e, actual);
        heads.set(append.streamId, rev);
        results.push({ nextRevision: rev, written: rev > actual });
      }
      if (cols.size > 0) {
        await client.query(insertEvents(1), cols.params());
        const streams = [...heads.keys()];
        await client.query(
          `INSERT INTO streams (stream_id, revision) SELECT * FROM unnest($1::text[], $2::bigint[])
           ON CONFLICT (stream_id) DO UPDATE SET revision = EXCLUDED.revision`,
          [streams, streams.map((s) => heads.get(s))],
        );
        await client.query(`NOTIFY ${EVENTS_CHANNEL}`);
      }
      return results;
    },
    { onConnectError: (error) => new StoreUnavailable('event store unavailable', error) },
  );
}
