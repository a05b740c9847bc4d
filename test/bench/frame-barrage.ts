/* Frame barrage: what big frames cost another user (issue 12, finding 5).
 *
 *   npx ts-node --transpile-only -r tsconfig-paths/register test/bench/frame-barrage.ts [--root DIR] [--seconds N]
 *     [--decode-only]
 *
 * First times one 4 MB frame through socket.io's stock decoder + the payload checks and through the size-checking
 * decoder, in this process (--decode-only stops there). Then starts the ledger of the tree at --root (default: this one) as a child process, on DATABASE_URL or an embedded
 * PostgreSQL, and measures the ack latency of a quiet user (one `runs.list` every 20 ms) while a forked attacker
 * sends ~4.5 big frames a second: none (baseline), before any handshake (unauthenticated), and as an
 * authenticated user (4 MB frames, far over the payload limit; and 1 MiB ones, just under it). Prints p50, p99
 * and max per phase, and the server's CPU. Run it with --root on a checkout of another commit for a before figure.
 */
import 'reflect-metadata';
import { fork, spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { Decoder as StockDecoder, type Packet } from 'socket.io-parser';
import { freePort } from '@ledger/database';
import { sizeCheckingParser } from '../../apps/ledger/src/gateway/frame-decoder';
import { parseCommand } from '../../apps/ledger/src/gateway/payload';
import { signToken } from '@ledger/runtime';
import {
  BENCH_JWT_SECRET,
  connectSocket,
  createDatabase,
  percentile,
  procCpuMs,
  sleep,
  sortedCopy,
  startPostgres,
} from './support';

const argv = process.argv.slice(2);
const option = (name: string): string | undefined => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
};
const THIS_ROOT = path.resolve(__dirname, '../..');
const FRAMES_PER_SECOND = 4.5;
const PAYLOAD_LIMIT = 1_048_576; // the default LEDGER_MAX_PAYLOAD_BYTES
/** Just under main's transport limit (4 × 1 MiB + 64 KiB), so main parses every one of these frames. */
const BIG_FRAME_BYTES = 4_000_000;

type Phase = 'none' | 'unauthenticated' | 'authenticated-4MB' | 'authenticated-1MiB';

/** A `run.start` payload of about `bytes` bytes whose settings are many small values: costly to parse and walk. */
function heavyPayload(bytes: number): Record<string, unknown> {
  const values = Array.from({ length: Math.ceil(bytes / 2) }, () => 0); // `0,` per element
  return { sourceType: 'chat', settings: { values } };
}

// ---------------------------------------------------------------------------------------------------------
// The attacker (a forked child, so that sending frames costs the measuring process nothing). It speaks raw
// engine.io over a WebSocket and builds each frame once, so its own CPU stays small on a shared machine.
async function attack(url: string, phase: Phase): Promise<void> {
  const interval = 1000 / FRAMES_PER_SECOND;
  let send: (n: number) => void;
  if (phase === 'unauthenticated') {
    // A handshake packet whose auth object is 4 MB of small values, on a fresh connection each time.
    const frame = `40${JSON.stringify({ token: 'x', ...heavyPayload(BIG_FRAME_BYTES) })}`;
    send = () => sendOnFreshConnection(url, frame);
  } else {
    // 4 MB: far over the payload limit. 1 MiB: just under it, so it is parsed, validated and stored.
    const payload = JSON.stringify(
      heavyPayload(phase === 'authenticated-4MB' ? BIG_FRAME_BYTES : PAYLOAD_LIMIT - 1024),
    );
    const ws = await openAuthenticated(url, signToken(randomUUID(), BENCH_JWT_SECRET));
    send = (n) => ws.send(`42${n}["run.start",${payload}]`);
  }
  process.send?.('ready');
  for (let n = 0, next = performance.now(); ; n++, next += interval) {
    await sleep(Math.max(0, next - performance.now()));
    send(n);
  }
}

function engineSocket(url: string): WebSocket {
  const ws = new WebSocket(`${url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`);
  ws.on('message', (data) => String(data) === '2' && ws.send('3')); // engine.io ping → pong
  ws.on('error', () => undefined);
  return ws;
}

function sendOnFreshConnection(url: string, frame: string): void {
  const ws = engineSocket(url);
  ws.once('message', () => ws.send(frame));
  setTimeout(() => ws.terminate(), 5000).unref();
}

function openAuthenticated(url: string, token: string): Promise<WebSocket> {
  const ws = engineSocket(url);
  return new Promise((resolve, reject) => {
    ws.once('message', () => ws.send(`40${JSON.stringify({ token })}`));
    ws.on('message', (data) => String(data).startsWith('40{"sid"') && resolve(ws));
    ws.once('close', () => reject(new Error('the attacker could not connect')));
  });
}

// ---------------------------------------------------------------------------------------------------------
// The driver
interface Figures {
  phase: Phase;
  acks: number;
  p50: number;
  p99: number;
  max: number;
  serverCpuPct: number;
  /** The machine's 1-minute load average at the end of the phase (2 cores are shared with other work). */
  load: number;
}

async function measure(url: string, serverPid: number, phase: Phase, seconds: number): Promise<Figures> {
  let attacker: ChildProcess | undefined;
  if (phase !== 'none') {
    attacker = fork(__filename, ['--attack', phase, '--url', url], {
      cwd: THIS_ROOT,
      execArgv: ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register'],
    });
    await new Promise<void>((resolve) => attacker!.once('message', () => resolve()));
    await sleep(1000); // let the barrage reach its pace
  }
  const victim = await connectSocket(url, signToken(randomUUID(), BENCH_JWT_SECRET));
  const latencies: number[] = [];
  const cpu0 = procCpuMs(serverPid);
  const wall0 = performance.now();
  for (let next = wall0; performance.now() - wall0 < seconds * 1000; next += 20) {
    await sleep(Math.max(0, next - performance.now()));
    const t0 = performance.now();
    // An ack that never comes counts as the 30 s waited for it.
    const ack = (await victim
      .timeout(30_000)
      .emitWithAck('runs.list', { limit: 1 })
      .catch(() => ({ ok: true }))) as { ok: boolean };
    if (!ack.ok) throw new Error(`the quiet user's command failed: ${JSON.stringify(ack)}`);
    latencies.push(performance.now() - t0);
  }
  const serverCpuPct = ((procCpuMs(serverPid) - cpu0) / (performance.now() - wall0)) * 100;
  victim.close();
  attacker?.kill('SIGKILL');
  const sorted = sortedCopy(latencies);
  return {
    phase,
    acks: latencies.length,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1],
    serverCpuPct,
    load: os.loadavg()[0],
  };
}

async function startLedger(root: string, databaseUrl: string): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', 'apps/ledger/src/main.ts'],
    {
      cwd: root,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        TS_NODE_PROJECT: 'tsconfig.json',
        DATABASE_URL: databaseUrl,
        PORT: String(port),
        HOST: '127.0.0.1',
        LEDGER_JWT_SECRET: BENCH_JWT_SECRET,
        LEDGER_LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  const url = `http://127.0.0.1:${port}`;
  for (const deadline = Date.now() + 90_000; ; await sleep(200)) {
    if (child.exitCode !== null) throw new Error('the ledger exited at boot');
    if (Date.now() > deadline) throw new Error('the ledger did not become healthy');
    if (
      await fetch(`${url}/health`).then(
        (r) => r.ok,
        () => false,
      )
    )
      return { url, child };
  }
}

/**
 * The CPU one big frame costs on arrival, in this process (no network, no other client): socket.io's stock decoder
 * followed by the payload checks (what `main` did), against the size-checking decoder (frame-decoder.ts).
 */
function decodeCost(log: (m: string) => void): void {
  const frame = `2["run.start",${JSON.stringify(heavyPayload(BIG_FRAME_BYTES))}]`;
  const time = (decode: () => void) => {
    const ms: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      decode();
      ms.push(performance.now() - t0);
    }
    return percentile(sortedCopy(ms), 50);
  };
  const stock = new StockDecoder();
  stock.on('decoded', (packet: Packet) => {
    try {
      parseCommand('run.start', (packet.data as unknown[])[1], PAYLOAD_LIMIT);
    } catch {
      /* PAYLOAD_TOO_LARGE, as expected */
    }
  });
  stock.add('0{}');
  const checking = new (sizeCheckingParser(PAYLOAD_LIMIT).Decoder)();
  checking.add('0{}');
  const before = time(() => stock.add(frame));
  const after = time(() => checking.add(frame));
  log(
    `one ${(frame.length / 1e6).toFixed(1)} MB frame of small values, decoded and checked (median of 5): ` +
      `stock decoder + validation ${before.toFixed(1)} ms, size-checking decoder ${after.toFixed(2)} ms`,
  );
}

async function main(): Promise<void> {
  const root = path.resolve(option('root') ?? THIS_ROOT);
  const seconds = Number(option('seconds') ?? 10);
  const log = (m: string) => console.log(m);
  decodeCost(log);
  if (argv.includes('--decode-only')) return;
  const pg = await startPostgres(log);
  const db = await createDatabase(pg.adminUrl, 'barrage');
  const { url, child } = await startLedger(root, db.url);
  log(`ledger of ${root} at ${url}; ${FRAMES_PER_SECOND} frames/s per barrage, ${seconds} s a phase`);
  const results: Figures[] = [];
  try {
    for (const phase of ['none', 'unauthenticated', 'authenticated-4MB', 'authenticated-1MiB'] as Phase[]) {
      const f = await measure(url, child.pid!, phase, seconds);
      results.push(f);
      // The server's CPU per barrage frame, over the quiet user's own share: a figure the machine's load moves less.
      const perFrame = ((f.serverCpuPct - results[0].serverCpuPct) * 10) / FRAMES_PER_SECOND;
      log(
        `${phase.padEnd(20)} quiet user's acks: ${String(f.acks).padStart(4)}  p50 ${f.p50.toFixed(1).padStart(6)} ms` +
          `  p99 ${f.p99.toFixed(1).padStart(7)} ms  max ${f.max.toFixed(1).padStart(7)} ms` +
          `  server CPU ${f.serverCpuPct.toFixed(0)}%` +
          (phase === 'none' ? '' : ` (~${perFrame.toFixed(0)} ms a frame)`) +
          `  load ${f.load.toFixed(1)}`,
      );
    }
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    await db.drop();
    await pg.stop();
  }
  console.log(JSON.stringify({ root, framesPerSecond: FRAMES_PER_SECOND, results }));
}

if (argv[0] === '--attack') void attack(option('url')!, argv[1] as Phase);
else
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
