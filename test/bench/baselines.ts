/* Baselines on the same PostgreSQL: raw COPY / multi-row INSERT of the same event rows into a plain copy of the
 * events table, a keyset scan of it, the naive "UPDATE … || chunk + triggers" design, and Emmett's event store. */
import { randomUUID } from 'node:crypto';
import { Client, Pool } from 'pg';
import { EVENT_COLUMNS } from '@ledger/event-store';
import { chunkText, copyRows, now, percentile, sortedCopy, type EventRow } from './support';

export interface RateResult {
  rows: number;
  seconds: number;
  perSec: number;
}

/** COPY of the rows into `events_copy` (LIKE events INCLUDING ALL: same indexes and defaults). */
export async function baselineCopy(url: string, rows: Iterable<EventRow>): Promise<RateResult> {
  await exec(url, 'CREATE TABLE events_copy (LIKE events INCLUDING ALL)');
  const t0 = now();
  const n = await copyRows(url, 'events_copy', rows);
  const seconds = (now() - t0) / 1000;
  return { rows: n, seconds, perSec: n / seconds };
}

/** Multi-row `INSERT … SELECT unnest(…)` of the rows into `events_insert`, 1000 rows per statement (autocommit). */
export async function baselineInsert(
  url: string,
  rows: Iterable<EventRow>,
  batch = 1000,
): Promise<RateResult> {
  await exec(url, 'CREATE TABLE events_insert (LIKE events INCLUDING ALL)');
  const client = new Client({ connectionString: url });
  await client.connect();
  const t0 = now();
  let n = 0;
  let cols = fresh();
  const flush = async () => {
    await client.query(
      `INSERT INTO events_insert (stream_id, stream_revision, event_id, type, data, metadata)
       SELECT * FROM unnest($1::text[], $2::bigint[], $3::uuid[], $4::text[], $5::json[], $6::json[])`,
      [cols.s, cols.r, cols.i, cols.t, cols.d, cols.m],
    );
    cols = fresh();
  };
  for (const row of rows) {
    cols.s.push(row.stream_id);
    cols.r.push(row.stream_revision);
    cols.i.push(row.event_id);
    cols.t.push(row.type);
    cols.d.push(row.data);
    cols.m.push(row.metadata);
    n++;
    if (cols.s.length >= batch) await flush();
  }
  if (cols.s.length) await flush();
  const seconds = (now() - t0) / 1000;
  await client.end();
  return { rows: n, seconds, perSec: n / seconds };
}

function fresh() {
  return {
    s: [] as string[],
    r: [] as number[],
    i: [] as string[],
    t: [] as string[],
    d: [] as string[],
    m: [] as string[],
  };
}

/** Keyset scan of `events` in (transaction_id, position) order, pages of `page`, the columns the store reads. */
export async function baselineScan(url: string, page = 5000): Promise<RateResult> {
  const client = new Client({ connectionString: url });
  await client.connect();
  const t0 = now();
  let n = 0;
  let tx = '0';
  let pos = '0';
  for (;;) {
    const { rows } = await client.query<{ tx: string; position: string }>(
      `SELECT ${EVENT_COLUMNS} FROM events
       WHERE (transaction_id, position) > ($1::text::xid8, $2::bigint) ORDER BY transaction_id, position LIMIT $3`,
      [tx, pos, page],
    );
    if (rows.length === 0) break;
    n += rows.length;
    tx = rows[rows.length - 1].tx;
    pos = rows[rows.length - 1].position;
  }
  const seconds = (now() - t0) / 1000;
  await client.end();
  return { rows: n, seconds, perSec: n / seconds };
}

export interface ConcurrentResult {
  chunks: number;
  seconds: number;
  perSec: number;
  p50: number;
  p99: number;
}

/**
 * The naive design: one `UPDATE … SET response_text = response_text || $1` per chunk (or per `perCall` chunks),
 * with row triggers keeping run aggregates (task count, token sum) on a copy of ai_runs. Same shape as the
 * ingest: `runs` × `tasksPerRun` tasks streaming at once, on a pool of 20 connections (the ledger's pool size).
 */
export async function baselineNaive(
  url: string,
  o: { runs: number; tasksPerRun: number; chunks: number; perCall: number },
): Promise<ConcurrentResult> {
  await exec(
    url,
    `CREATE TABLE naive_runs (id uuid PRIMARY KEY, task_count integer NOT NULL DEFAULT 0, total_tokens bigint NOT NULL DEFAULT 0, updated_at timestamptz);
     CREATE TABLE naive_tasks (LIKE ai_tasks INCLUDING ALL);
     CREATE FUNCTION naive_task_created() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
       UPDATE naive_runs SET task_count = task_count + 1, total_tokens = total_tokens + NEW.tokens_total, updated_at = now() WHERE id = NEW.run_id;
       RETURN NEW; END $$;
     CREATE FUNCTION naive_task_updated() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
       UPDATE naive_runs SET total_tokens = total_tokens + NEW.tokens_total - OLD.tokens_total, updated_at = now() WHERE id = NEW.run_id;
       RETURN NEW; END $$;
     CREATE TRIGGER naive_tasks_ins AFTER INSERT ON naive_tasks FOR EACH ROW EXECUTE FUNCTION naive_task_created();
     CREATE TRIGGER naive_tasks_upd AFTER UPDATE ON naive_tasks FOR EACH ROW EXECUTE FUNCTION naive_task_updated();`,
  );
  const pool = new Pool({ connectionString: url, max: 20 });
  const tasks: Array<{ id: string; runId: string }> = [];
  const userId = randomUUID();
  for (let r = 0; r < o.runs; r++) {
    const runId = randomUUID();
    await pool.query('INSERT INTO naive_runs (id) VALUES ($1)', [runId]);
    for (let t = 0; t < o.tasksPerRun; t++) {
      const id = randomUUID();
      await pool.query(
        `INSERT INTO naive_tasks (id, run_id, user_id, task_id, service, task_name, provider, endpoint, model, request_data, response_text,
           response_info, response_errors, tool_updates, data_chunks, tokens_input, tokens_output, tokens_cached, tokens_cache_write,
           tokens_reasoning, tokens_total, status, chunk_count, created_at, updated_at)
         VALUES ($1, $2, $3, $1, 'chat', 'reply', 'openai', '/v1/chat/completions', 'gpt-4o-mini', '{}', '', '[]', '[]', '[]', '[]',
           0, 0, 0, 0, 0, 0, 'pending', 0, now(), now())`,
        [id, runId, userId],
      );
      tasks.push({ id, runId });
    }
  }
  const latencies: number[] = [];
  const t0 = now();
  let chunks = 0;
  await Promise.all(
    tasks.map(async (task) => {
      for (let seq = 0; seq < o.chunks; seq += o.perCall) {
        const n = Math.min(o.perCall, o.chunks - seq);
        let text = '';
        for (let i = 0; i < n; i++) text += chunkText(seq + i);
        const a = performance.now();
        await pool.query(
          `UPDATE naive_tasks SET response_text = response_text || $1, chunk_count = chunk_count + $2, status = 'streaming', updated_at = now() WHERE id = $3`,
          [text, n, task.id],
        );
        latencies.push(performance.now() - a);
        chunks += n;
      }
    }),
  );
  const seconds = (now() - t0) / 1000;
  await pool.end();
  const lat = sortedCopy(latencies);
  return { chunks, seconds, perSec: chunks / seconds, p50: percentile(lat, 50), p99: percentile(lat, 99) };
}

/**
 * Emmett's PostgreSQL event store (`appendToStream`), the same ChunkReceived events, `perCall` per call, with the
 * same number of concurrent writers. Each task appends to its own stream (Emmett has no per-stream queue, so
 * concurrent appends to one stream would conflict): a setting that favours the baseline.
 */
export async function baselineEmmett(
  url: string,
  o: { tasks: number; chunks: number; perCall: number },
): Promise<ConcurrentResult> {
  const { getPostgreSQLEventStore } =
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('@event-driven-io/emmett-postgresql') as typeof import('@event-driven-io/emmett-postgresql');
  const pool = new Pool({ connectionString: url, max: 20 });
  pool.on('error', () => undefined);
  const store = getPostgreSQLEventStore(url, { connectionOptions: { pooled: true, pool } });
  try {
    await store.appendToStream(`warmup-${randomUUID()}`, [{ type: 'Warmup', data: {} }]);
    const runId = randomUUID();
    const latencies: number[] = [];
    let chunks = 0;
    const t0 = now();
    await Promise.all(
      Array.from({ length: o.tasks }, async () => {
        const taskId = randomUUID();
        const stream = `task-${taskId}`;
        for (let seq = 0; seq < o.chunks; seq += o.perCall) {
          const n = Math.min(o.perCall, o.chunks - seq);
          const events = [];
          for (let i = 0; i < n; i++)
            events.push({
              type: 'ChunkReceived',
              data: {
                runId,
                taskId,
                seq: seq + i,
                kind: 'text',
                text: chunkText(seq + i),
                offsetMs: 300 + 15 * (seq + i),
              },
              metadata: {
                userId: runId,
                commandId: randomUUID(),
                recordedAt: new Date().toISOString(),
                schemaVersion: 1,
              },
            });
          const a = performance.now();
          await store.appendToStream(stream, events);
          latencies.push(performance.now() - a);
          chunks += n;
        }
      }),
    );
    const seconds = (now() - t0) / 1000;
    const lat = sortedCopy(latencies);
    return { chunks, seconds, perSec: chunks / seconds, p50: percentile(lat, 50), p99: percentile(lat, 99) };
  } finally {
    await store.close().catch(() => undefined);
    await pool.end().catch(() => undefined);
  }
}

async function exec(url: string, sql: string): Promise<void> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}
