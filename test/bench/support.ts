import { io, type Socket } from 'socket.io-client';
/* Shared pieces of the benchmark: the PostgreSQL (DATABASE_URL or embedded), fresh databases, the ledger as a
 * child process, /proc sampling, percentiles and a generator of realistic event rows. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { freePort, startEmbeddedPostgres } from '@ledger/database';

export const ROOT = path.resolve(__dirname, '../../..');
export const BENCH_JWT_SECRET = 'bench-secret-for-the-run-ledger-benchmarks';

export const now = (): number => performance.timeOrigin + performance.now();
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------------------
// PostgreSQL
export interface BenchPostgres {
  adminUrl: string;
  embedded: boolean;
  stop(): Promise<void>;
}

export async function startPostgres(log: (m: string) => void): Promise<BenchPostgres> {
  if (process.env.DATABASE_URL)
    return { adminUrl: process.env.DATABASE_URL, embedded: false, stop: async () => undefined };
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ledger-bench-pg-'));
  log(`embedded PostgreSQL in ${dir}`);
  const pg = await startEmbeddedPostgres(dir, { database: 'bench_admin' });
  return {
    adminUrl: pg.url,
    embedded: true,
    stop: async () => {
      await pg.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function urlWithDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

export interface FreshDatabase {
  url: string;
  drop(): Promise<void>;
}

/** A fresh, empty database on the bench PostgreSQL (like test/support/database.ts). */
export async function createDatabase(adminUrl: string, label: string): Promise<FreshDatabase> {
  const name = `ledger_b_${label}_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  // The previous scenario's writes (the rebuild's 1M-event COPY writes ~1 GB of WAL) are flushed now, not by a
  // checkpoint in the middle of this scenario's window. Needs superuser or pg_checkpoint; skipped without it.
  await admin.query('CHECKPOINT').catch(() => undefined);
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  return {
    url: urlWithDatabase(adminUrl, name),
    drop: async () => {
      const c = new Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

export async function postgresFacts(url: string): Promise<Record<string, string>> {
  const c = new Client({ connectionString: url });
  await c.connect();
  const facts: Record<string, string> = {};
  for (const s of [
    'server_version',
    'fsync',
    'synchronous_commit',
    'shared_buffers',
    'wal_level',
    'max_connections',
  ]) {
    const { rows } = await c.query(`SHOW ${s}`);
    facts[s] = String(Object.values(rows[0])[0]);
  }
  await c.end();
  return facts;
}

// ---------------------------------------------------------------------------------------------------------
// /proc
export function procCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state): utime is field 14, stime field 15.
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / 100;
}

export function procStatusKb(pid: number | 'self', key: 'VmHWM' | 'VmRSS'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status);
  return m ? Number(m[1]) : NaN;
}

// ---------------------------------------------------------------------------------------------------------
// The ledger as a child process
export interface ServerChild {
  url: string;
  /** Prometheus, on the server's own metrics listener (never the public port). */
  metricsUrl: string;
  pid: number;
  process: ChildProcess;
  output: string[];
  stop(): Promise<void>;
}

export async function startServer(
  databaseUrl: string,
  opts: { cpuProfDir?: string; env?: Record<string, string> } = {},
): Promise<ServerChild> {
  const port = await freePort();
  const metricsPort = await freePort();
  const args = [
    ...(opts.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${opts.cpuProfDir}`] : []),
    path.join(ROOT, 'dist/apps/ledger/src/main.js'),
  ];
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      DATABASE_URL: databaseUrl,
      PORT: String(port),
      HOST: '127.0.0.1',
      LEDGER_METRICS_PORT: String(metricsPort),
      LEDGER_JWT_SECRET: BENCH_JWT_SECRET,
      LEDGER_LOG_LEVEL: 'warn',
      LEDGER_RATE_LIMIT: '1000000',
      LEDGER_RATE_BURST: '1000000',
      ...opts.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stdout?.setEncoding('utf8').on('data', (d: string) => output.push(d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => output.push(d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`ledger exited at boot:\n${output.join('')}`);
    try {
      const res = await fetch(`${url}/health`);
      if (res.status === 200) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) throw new Error(`ledger did not become healthy:\n${output.join('')}`);
    await sleep(100);
  }
  return {
    url,
    metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
    pid: child.pid as number,
    process: child,
    output,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// Statistics
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

export function sortedCopy(values: ArrayLike<number>): Float64Array {
  const a = Float64Array.from(values as ArrayLike<number>);
  a.sort();
  return a;
}

// ---------------------------------------------------------------------------------------------------------
// Realistic event rows (docs/protocol.md §2 shapes), for COPY / INSERT straight into `events`.
export interface EventRow {
  stream_id: string;
  stream_revision: number;
  event_id: string;
  type: string;
  data: string;
  metadata: string;
}

export const CHUNK_TEXT_CHARS = 20;
/** Exactly CHUNK_TEXT_CHARS ASCII characters, so `octet_length(response_text) / 20` counts visible chunks. */
export function chunkText(seq: number): string {
  return ` tok${seq}`.padEnd(CHUNK_TEXT_CHARS, 'abcdefghijklmnopqrst').slice(0, CHUNK_TEXT_CHARS);
}

/** The events of one run: RunStarted, then per task TaskCreated, `chunks` ChunkReceived, TaskCompleted. */
export function* runEventRows(
  runId: string,
  userId: string,
  tasks: number,
  chunks: number,
  startMs: number,
): Generator<EventRow> {
  const streamId = `run-${runId}`;
  let rev = 0;
  let t = startMs;
  const meta = (command: string) =>
    JSON.stringify({
      userId,
      commandId: randomUUID(),
      recordedAt: new Date(t).toISOString(),
      schemaVersion: 1,
      command,
    });
  const row = (type: string, data: object, command: string): EventRow => ({
    stream_id: streamId,
    stream_revision: rev++,
    event_id: randomUUID(),
    type,
    data: JSON.stringify(data),
    metadata: meta(command),
  });
  yield row(
    'RunStarted',
    {
      runId,
      userId,
      sourceType: 'chat',
      name: 'Benchmark chat',
      settings: { model: 'gpt-4o-mini', temperature: 0.7, maxTokens: 1024 },
      variableValues: { topic: 'benchmarks' },
      brokerValues: {},
      startedAt: new Date(t).toISOString(),
    },
    'run.start',
  );
  for (let k = 0; k < tasks; k++) {
    const taskId = randomUUID();
    const question = `Question number ${k}: explain how group commit amortises fsync over many writers.`;
    t += 1000;
    const createdAt = new Date(t).toISOString();
    yield row(
      'TaskCreated',
      {
        runId,
        taskId,
        service: 'chat',
        taskName: 'reply',
        provider: 'openai',
        endpoint: '/v1/chat/completions',
        model: 'gpt-4o-mini',
        requestData: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: question }], stream: true },
        userMessage: { content: question },
        createdAt,
      },
      'task.create',
    );
    for (let s = 0; s < chunks; s++) {
      yield row(
        'ChunkReceived',
        { runId, taskId, seq: s, kind: 'text', text: chunkText(s), offsetMs: 300 + 15 * s },
        'task.chunk',
      );
    }
    t += 300 + 15 * chunks;
    yield row(
      'TaskCompleted',
      {
        runId,
        taskId,
        usage: {
          inputTokens: 120,
          outputTokens: chunks,
          cachedInputTokens: 0,
          cacheWriteTokens: 0,
          reasoningTokens: 0,
          totalTokens: 120 + chunks,
        },
        usageSource: 'provider',
        cost: {
          amount: ((120 * 0.15 + chunks * 0.6) / 1e6).toFixed(9),
          priceId: 'openai/gpt-4o-mini@2024-07-18',
          prices: { input: '0.15', output: '0.6', cachedInput: '0.075' },
        },
        timeToFirstTokenMs: 300,
        totalTimeMs: 300 + 15 * chunks,
        finishReason: 'stop',
        completedAt: new Date(t).toISOString(),
      },
      'task.complete',
    );
  }
}

/** `total` rows of runs with `tasksPerRun` tasks of `chunksPerTask` chunks (the last run is cut short). */
export function* eventRows(
  total: number,
  tasksPerRun = 4,
  chunksPerTask = 50,
  userIds: readonly string[] = [randomUUID()],
): Generator<EventRow> {
  let n = 0;
  let r = 0;
  const start = Date.parse('2025-03-01T10:00:00.000Z');
  while (n < total) {
    for (const row of runEventRows(
      randomUUID(),
      userIds[r % userIds.length],
      tasksPerRun,
      chunksPerTask,
      start + r * 60_000,
    )) {
      if (n >= total) return;
      yield row;
      n++;
    }
    r++;
  }
}

function copyEscape(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
}

export function copyLine(r: EventRow): string {
  return `${copyEscape(r.stream_id)}\t${r.stream_revision}\t${r.event_id}\t${copyEscape(r.type)}\t${copyEscape(r.data)}\t${copyEscape(r.metadata)}\n`;
}

export const COPY_COLUMNS = '(stream_id, stream_revision, event_id, type, data, metadata)';

/** COPYs rows into `table` (pg-copy-streams), in 1 MB writes; also maintains `streams` when asked. Returns rows. */
export async function copyRows(
  url: string,
  table: string,
  rows: Iterable<EventRow>,
  options: { streams?: boolean } = {},
): Promise<number> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { from } = require('pg-copy-streams') as typeof import('pg-copy-streams');
  const client = new Client({ connectionString: url });
  await client.connect();
  const heads = new Map<string, number>();
  let n = 0;
  try {
    await client.query('BEGIN');
    const stream = client.query(from(`COPY ${table} ${COPY_COLUMNS} FROM STDIN`));
    const done = new Promise<void>((resolve, reject) => {
      stream.on('finish', resolve);
      stream.on('error', reject);
    });
    let buf: string[] = [];
    let size = 0;
    for (const r of rows) {
      const line = copyLine(r);
      buf.push(line);
      size += line.length;
      n++;
      if (options.streams) heads.set(r.stream_id, r.stream_revision);
      if (size > 1 << 20) {
        if (!stream.write(buf.join(''))) await new Promise<void>((res) => stream.once('drain', () => res()));
        buf = [];
        size = 0;
      }
    }
    if (buf.length) stream.write(buf.join(''));
    stream.end();
    await done;
    if (options.streams && heads.size) {
      const ids = [...heads.keys()];
      await client.query(
        `INSERT INTO streams (stream_id, revision) SELECT * FROM unnest($1::text[], $2::bigint[])
         ON CONFLICT (stream_id) DO UPDATE SET revision = EXCLUDED.revision`,
        [ids, ids.map((i) => heads.get(i))],
      );
    }
    await client.query('COMMIT');
  } finally {
    await client.end();
  }
  return n;
}

/** A socket.io client that connects once (no reconnection), for the load generators and drivers. */
export function connectSocket(url: string, token: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = io(url, {
      auth: { token },
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
    });
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (e) => reject(e));
  });
}

export interface EventBytes {
  /** pg_total_relation_size('events') after VACUUM: heap, TOAST and every index. */
  totalBytes: number;
  heapBytes: number;
  indexBytes: number;
  /** Bytes per index, by name. */
  indexes: Record<string, number>;
  events: number;
  /** Chunks held by the events (a ChunkReceived holds one, a batched event its list). */
  chunks: number;
  /** Their text, UTF-8 bytes. */
  textBytes: number;
}

/** The on-disk size of the `events` table and its indexes after VACUUM, and the chunks (and text) they hold. */
export async function eventBytes(url: string): Promise<EventBytes> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    await c.query('VACUUM ANALYZE events');
    const { rows: size } = await c.query<{ total: string; heap: string; idx: string }>(
      `SELECT pg_total_relation_size('events') AS total, pg_table_size('events') AS heap,
              pg_indexes_size('events') AS idx`,
    );
    const { rows: idx } = await c.query<{ name: string; bytes: string }>(
      `SELECT indexrelid::regclass::text AS name, pg_relation_size(indexrelid) AS bytes
       FROM pg_index WHERE indrelid = 'events'::regclass ORDER BY 1`,
    );
    const { rows: count } = await c.query<{ events: string; chunks: string; text: string }>(
      `SELECT count(*) AS events,
              coalesce(sum(CASE WHEN type = 'ChunkReceived' THEN 1
                                WHEN json_typeof(data::json->'chunks') = 'array' THEN json_array_length(data::json->'chunks')
                                ELSE 0 END), 0) AS chunks,
              coalesce(sum(CASE WHEN type = 'ChunkReceived' THEN octet_length(coalesce(data->>'text', ''))
                                WHEN json_typeof(data::json->'chunks') = 'array'
                                THEN (SELECT coalesce(sum(octet_length(coalesce(x->>'text', ''))), 0)
                                      FROM json_array_elements(data::json->'chunks') x)
                                ELSE 0 END), 0) AS text
       FROM event_log`, // the events as appended, whichever layout their rows have (migration …012)
    );
    return {
      totalBytes: Number(size[0].total),
      heapBytes: Number(size[0].heap),
      indexBytes: Number(size[0].idx),
      indexes: Object.fromEntries(idx.map((r) => [r.name, Number(r.bytes)])),
      events: Number(count[0].events),
      chunks: Number(count[0].chunks),
      textBytes: Number(count[0].text),
    };
  } finally {
    await c.end();
  }
}
