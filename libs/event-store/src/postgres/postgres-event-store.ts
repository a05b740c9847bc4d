import type { Pool, PoolClient } from 'pg';
import { Client } from 'pg';
import type { GlobalPosition, RecordedEvent, RunEvent } from '@ledger/domain';
import {
  DuplicateEventId,
  StoreUnavailable,
  WrongExpectedRevision,
  type AllBatch,
  type AppendResult,
  type EventStore,
  type ExpectedRevision,
  type NewEvent,
  type ReadStreamOptions,
  type StreamAppend,
  type SubscribeOptions,
  type Subscription,
} from '../event-store.port';
import { EventColumns, encodeAppend, type EncodedAppend } from './event-columns';

const CHANNEL = 'ledger_events';
const COLUMNS =
  'position, transaction_id::text AS tx, stream_id, stream_revision, event_id, type, data, metadata';

interface EventRow {
  position: string;
  tx: string;
  stream_id: string;
  stream_revision: string;
  event_id: string;
  type: string;
  data: RunEvent['data'];
  metadata: RunEvent['metadata'];
}

function toRecorded(row: EventRow): RecordedEvent {
  return {
    id: row.event_id,
    streamId: row.stream_id,
    revision: Number(row.stream_revision),
    position: { commit: BigInt(row.tx), prepare: BigInt(row.position) },
    type: row.type as RunEvent['type'],
    data: row.data,
    metadata: row.metadata,
  };
}

/** Errors that mean "the database is away", as opposed to a bad statement. */
export function isConnectionError(error: unknown): boolean {
  const e = error as { code?: string; message?: string } | undefined;
  if (!e) return false;
  const code = e.code ?? '';
  return (
    code.startsWith('08') ||
    code === '57P01' ||
    code === '57P02' ||
    code === '57P03' ||
    code === 'ECONNREFUSED' ||
    code === 'ECONNRESET' ||
    code === 'ETIMEDOUT' ||
    code === 'EPIPE' ||
    /Connection terminated|connection timeout|Client has encountered a connection error|timeout exceeded when trying to connect/i.test(
      e.message ?? '',
    )
  );
}

function storeError(error: unknown): Error {
  if (isConnectionError(error)) return new StoreUnavailable('event store unavailable', error);
  return error instanceof Error ? error : new Error(String(error));
}

/**
 * The embedded default event store, on PostgreSQL. One table of events with a per-stream unique revision
 * (optimistic concurrency) and a unique event id (a retried command never writes twice); a `streams`
 * table holds each stream's revision so an append checks it with one locked read.
 */
export class PostgresEventStore implements EventStore {
  readonly kind = 'postgres' as const;
  private readonly localWakers = new Set<() => void>();

  constructor(
    private readonly pool: Pool,
    private readonly connectionString?: string,
  ) {}

  async appendToStream(
    streamId: string,
    events: readonly NewEvent[],
    expectedRevision: ExpectedRevision,
  ): Promise<AppendResult> {
    const [result] = await this.appendMany([{ streamId, events, expectedRevision }]);
    if (result instanceof Error) throw result;
    return result;
  }

  async appendMany(appends: readonly StreamAppend[]): Promise<Array<AppendResult | Error>> {
    const results: Array<AppendResult | Error> = new Array(appends.length);
    const storable: Array<{ index: number; encoded: EncodedAppend }> = [];
    appends.forEach((append, index) => {
      try {
        storable.push({ index, encoded: encodeAppend(append) });
      } catch (error) {
        results[index] = error as Error;
      }
    });
    const written = await this.appendSplitting(storable.map((s) => s.encoded));
    storable.forEach((s, i) => (results[s.index] = written[i]));
    return results;
  }

  /**
   * Appends the batch in one statement. One stream's failure must not fail the others, nor cost each of them a
   * statement: a batch that fails for a reason of its content (a duplicate event id, a value the checks above do
   * not know) is split in halves, each appended as one statement, so the others pay about log2(n) statements.
   */
  private async appendSplitting(batch: readonly EncodedAppend[]): Promise<Array<AppendResult | Error>> {
    if (batch.length === 0) return [];
    try {
      return await this.appendAll(batch);
    } catch (error) {
      if (isConnectionError(error) || batch.length === 1)
        return batch.map((b) => this.mapAppendError(error, b.append.streamId));
      const half = Math.ceil(batch.length / 2);
      return [
        ...(await this.appendSplitting(batch.slice(0, half))),
        ...(await this.appendSplitting(batch.slice(half))),
      ];
    }
  }

  private mapAppendError(error: unknown, streamId: string): Error {
    const e = error as { code?: string; constraint?: string };
    if (e.code === '23505' && e.constraint === 'events_event_id_key') return new DuplicateEventId(streamId);
    if (e.code === '23505') return new WrongExpectedRevision(streamId, 'any', null);
    return storeError(error);
  }

  /** One statement when every stream is named once at an exact revision (the writer's case), else a transaction. */
  private appendAll(appends: readonly EncodedAppend[]): Promise<Array<AppendResult | Error>> {
    const exact = appends.every((a) => a.append.expectedRevision !== 'any');
    const unique = new Set(appends.map((a) => a.append.streamId)).size === appends.length;
    return exact && unique ? this.appendInOneStatement(appends) : this.appendInOneTransaction(appends);
  }

  /**
   * The group-commit append in ONE round trip: data-modifying CTEs lock the streams' rows, keep the streams at
   * their expected revision, insert their events, move their revisions and NOTIFY, atomically (one implicit
   * transaction). A stream that is not at its expected revision writes nothing and gets its own conflict.
   */
  private async appendInOneStatement(
    encoded: readonly EncodedAppend[],
  ): Promise<Array<AppendResult | Error>> {
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
    const { rows } = await this.pool.query<{ stream_id: string; ok: boolean; actual: string | null }>(
      `WITH input AS (SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[]) AS i(stream_id, expected, next)),
       current AS (SELECT s.stream_id, s.revision FROM streams s
                   WHERE s.stream_id IN (SELECT stream_id FROM input) ORDER BY s.stream_id FOR UPDATE),
       ok AS (SELECT i.stream_id, i.next FROM input i LEFT JOIN current c ON c.stream_id = i.stream_id
              WHERE COALESCE(c.revision, -1) = i.expected AND i.next > i.expected),
       ev AS (INSERT INTO events (stream_id, stream_revision, event_id, type, data, metadata)
              SELECT e.s, e.r, e.i, e.t, e.d, e.m
              FROM unnest($4::text[], $5::bigint[], $6::uuid[], $7::text[], $8::jsonb[], $9::jsonb[]) AS e(s, r, i, t, d, m)
              WHERE e.s IN (SELECT stream_id FROM ok) RETURNING 1),
       st AS (INSERT INTO streams (stream_id, revision) SELECT stream_id, next FROM ok
              ON CONFLICT (stream_id) DO UPDATE SET revision = EXCLUDED.revision RETURNING 1),
       note AS (SELECT pg_notify('${CHANNEL}', '') FROM (SELECT 1 FROM ev LIMIT 1) x)
       SELECT i.stream_id, (o.stream_id IS NOT NULL) AS ok, c.revision::text AS actual,
              (SELECT count(*) FROM note) + (SELECT count(*) FROM st) AS done
       FROM input i LEFT JOIN ok o ON o.stream_id = i.stream_id LEFT JOIN current c ON c.stream_id = i.stream_id`,
      [streams.id, streams.expected, streams.next, ...cols.params()],
    );
    const outcome = new Map(rows.map((r) => [r.stream_id, r]));
    const results = appends.map((a, i): AppendResult | Error => {
      const r = outcome.get(a.streamId);
      if (r?.ok) return { nextRevision: streams.next[i] };
      if (a.events.length === 0 && r && Number(r.actual ?? -1) === a.expectedRevision)
        return { nextRevision: streams.expected[i] };
      return new WrongExpectedRevision(
        a.streamId,
        a.expectedRevision,
        r?.actual == null ? null : Number(r.actual),
      );
    });
    if (results.some((r) => !(r instanceof Error))) this.wakeLocal();
    return results;
  }

  private async appendInOneTransaction(
    encoded: readonly EncodedAppend[],
  ): Promise<Array<AppendResult | Error>> {
    const appends = encoded.map((e) => e.append);
    const client = await this.connect();
    try {
      await client.query('BEGIN');
      const ids = [...new Set(appends.map((a) => a.streamId))];
      const current = new Map<string, number>();
      const { rows } = await client.query<{ stream_id: string; revision: string }>(
        'SELECT stream_id, revision FROM streams WHERE stream_id = ANY($1::text[]) ORDER BY stream_id FOR UPDATE',
        [ids],
      );
      for (const r of rows) current.set(r.stream_id, Number(r.revision));

      const results: Array<AppendResult | Error> = [];
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
        results.push({ nextRevision: rev });
      }
      if (cols.size > 0) {
        await client.query(
          `INSERT INTO events (stream_id, stream_revision, event_id, type, data, metadata)
           SELECT * FROM unnest($1::text[], $2::bigint[], $3::uuid[], $4::text[], $5::jsonb[], $6::jsonb[])`,
          cols.params(),
        );
        const streams = [...heads.keys()];
        await client.query(
          `INSERT INTO streams (stream_id, revision) SELECT * FROM unnest($1::text[], $2::bigint[])
           ON CONFLICT (stream_id) DO UPDATE SET revision = EXCLUDED.revision`,
          [streams, streams.map((s) => heads.get(s))],
        );
        await client.query(`NOTIFY ${CHANNEL}`);
      }
      await client.query('COMMIT');
      if (cols.size > 0) this.wakeLocal();
      return results;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  /**
   * A pooled connection for one transaction. While it is checked out the pool no longer listens for its errors,
   * and a connection killed between two queries emits 'error' (an uncaught exception without a listener): the
   * listener here swallows it (the next query fails and the pool discards the client on release).
   */
  private async connect(): Promise<PoolClient> {
    let client: PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw new StoreUnavailable('event store unavailable', error);
    }
    const ignore = () => undefined;
    client.on('error', ignore);
    const release = client.release.bind(client);
    client.release = (err?: Error | boolean) => {
      client.removeListener('error', ignore);
      release(err);
    };
    return client;
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const backwards = options.direction === 'backwards';
    try {
      const { rows } = await this.pool.query<EventRow>(
        `SELECT ${COLUMNS} FROM events
         WHERE stream_id = $1 AND stream_revision >= $2 AND stream_revision <= $3
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
      return rows.map(toRecorded);
    } catch (error) {
      throw storeError(error);
    }
  }

  async streamRevision(streamId: string): Promise<number | null> {
    try {
      const { rows } = await this.pool.query<{ revision: string }>(
        'SELECT revision FROM streams WHERE stream_id = $1',
        [streamId],
      );
      return rows.length ? Number(rows[0].revision) : null;
    } catch (error) {
      throw storeError(error);
    }
  }

  async readAll(after: GlobalPosition | null, limit: number): Promise<RecordedEvent[]> {
    try {
      const { rows } = await this.pool.query<EventRow>(
        `SELECT ${COLUMNS} FROM events
         WHERE (transaction_id, position) > ($1::text::xid8, $2::bigint)
           AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
         ORDER BY transaction_id, position LIMIT $3`,
        [String(after?.commit ?? 0n), String(after?.prepare ?? 0n), limit],
      );
      return rows.map(toRecorded);
    } catch (error) {
      throw storeError(error);
    }
  }

  subscribeToAll(
    after: GlobalPosition | null,
    handler: (batch: AllBatch) => Promise<void>,
    options: SubscribeOptions = {},
  ): Subscription {
    const batchSize = options.batchSize ?? 1000;
    let position = after;
    let stopped = false;
    let wake: (() => void) | null = null;
    let pendingWake = false;
    const notify = () => {
      pendingWake = true;
      wake?.();
    };
    this.localWakers.add(notify);
    const listener = this.listen(notify, () => stopped);

    const sleep = (ms: number) =>
      new Promise<void>((resolve) => {
        if (pendingWake) return resolve();
        const timer = setTimeout(done, ms);
        function done() {
          clearTimeout(timer);
          wake = null;
          resolve();
        }
        wake = done;
      });

    const loop = (async () => {
      let idle = 0;
      while (!stopped) {
        pendingWake = false;
        try {
          const events = await this.readAll(position, batchSize);
          if (events.length > 0) {
            const checkpoint = events[events.length - 1].position;
            await handler({ events, checkpoint });
            position = checkpoint;
            idle = 0;
            continue;
          }
        } catch (error) {
          if (stopped) break;
          options.onError?.(error);
          await sleep(500);
          continue;
        }
        // Nothing visible yet: a notified commit may still be behind an older open transaction, so look again soon.
        idle = Math.min(idle + 1, 6);
        await sleep(idle < 6 ? 5 * 2 ** idle : 500);
      }
    })();

    return {
      stop: async () => {
        stopped = true;
        this.localWakers.delete(notify);
        wake?.();
        await loop;
        await listener.end();
      },
    };
  }

  /**
   * A dedicated connection for LISTEN; other processes' appends wake us through it. When it drops, ONE new
   * connection replaces it (a killed connection reports twice: the server's FATAL message, then the socket's
   * end), and `close()` of the returned handle ends whichever connection is current.
   */
  private listen(onNotify: () => void, stopped: () => boolean): { end(): Promise<void> } {
    let current: Client | null = null;
    let retry: NodeJS.Timeout | undefined;
    const reconnectLater = () => {
      if (stopped() || retry) return;
      retry = setTimeout(() => {
        retry = undefined;
        void connect();
      }, 1000);
    };
    const connect = async (): Promise<void> => {
      if (stopped() || !this.connectionString) return;
      const client = new Client({ connectionString: this.connectionString });
      let lost = false;
      const onLost = () => {
        if (lost) return;
        lost = true;
        if (current === client) current = null;
        void client.end().catch(() => undefined);
        reconnectLater();
      };
      client.on('notification', onNotify);
      client.on('error', onLost);
      client.on('end', onLost);
      try {
        await client.connect();
        await client.query(`LISTEN ${CHANNEL}`);
      } catch {
        onLost();
        return;
      }
      if (lost) return;
      if (stopped()) return void client.end().catch(() => undefined);
      current = client;
      onNotify();
    };
    void connect();
    return {
      end: async () => {
        clearTimeout(retry);
        retry = undefined;
        const client = current;
        current = null;
        await client?.end().catch(() => undefined);
      },
    };
  }

  private wakeLocal(): void {
    for (const wake of this.localWakers) wake();
  }

  async eraseStream(streamId: string, tombstone: NewEvent): Promise<void> {
    const client = await this.connect();
    try {
      await client.query('BEGIN');
      const { rows } = await client.query<{ revision: string }>(
        'SELECT revision FROM streams WHERE stream_id = $1 FOR UPDATE',
        [streamId],
      );
      const next = rows.length ? Number(rows[0].revision) + 1 : 0;
      await client.query('DELETE FROM events WHERE stream_id = $1', [streamId]);
      await client.query(
        'INSERT INTO events (stream_id, stream_revision, event_id, type, data, metadata) VALUES ($1, $2, $3, $4, $5, $6)',
        [
          streamId,
          next,
          tombstone.id,
          tombstone.type,
          JSON.stringify(tombstone.data),
          JSON.stringify(tombstone.metadata),
        ],
      );
      await client.query(
        'INSERT INTO streams (stream_id, revision) VALUES ($1, $2) ON CONFLICT (stream_id) DO UPDATE SET revision = EXCLUDED.revision',
        [streamId, next],
      );
      await client.query(`NOTIFY ${CHANNEL}`);
      await client.query('COMMIT');
      this.wakeLocal();
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw storeError(error);
    } finally {
      client.release();
    }
  }

  async headPosition(): Promise<GlobalPosition | null> {
    const { rows } = await this.pool.query<{ tx: string; position: string }>(
      'SELECT transaction_id::text AS tx, position FROM events ORDER BY transaction_id DESC, position DESC LIMIT 1',
    );
    return rows.length ? { commit: BigInt(rows[0].tx), prepare: BigInt(rows[0].position) } : null;
  }

  async countAfter(after: GlobalPosition | null, cap = 1_000_000): Promise<number> {
    const { rows } = await this.pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM (SELECT 1 FROM events WHERE (transaction_id, position) > ($1::text::xid8, $2::bigint) LIMIT $3) x`,
      [String(after?.commit ?? 0n), String(after?.prepare ?? 0n), cap],
    );
    return Number(rows[0].n);
  }

  async close(): Promise<void> {
    this.localWakers.clear();
  }
}
