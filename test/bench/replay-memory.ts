/* Memory of `run.replay` under clients that never read (issue 12, finding 3).
 *
 * One user records an 8 MB run (8,000 chunks of 1,049 characters); then 20 sockets each ask for a replay of it at
 * speed 0 and stop reading their socket at once. The ledger runs in a child process started with --expose-gc and
 * reports its heap after a full collection; the figure is the growth over the heap before the replays. The
 * per-user replay cap is raised to 20 for this run so that every replay runs (the cap alone would hide the cost of
 * each replay). Target: growth under 50 MB.
 *
 *   npx ts-node --transpile-only -r tsconfig-paths/register test/bench/replay-memory.ts
 *
 * Uses DATABASE_URL's server when set, else an embedded PostgreSQL. */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Socket } from 'socket.io-client';
import { signToken } from '@ledger/runtime';
import { BENCH_JWT_SECRET, connectSocket, createDatabase, sleep, startPostgres } from './support';

const REPLAYS = 20;
const CHUNKS = 8_000;
const CHUNK_CHARS = 1_049;
const PER_COMMAND = 500;
const SAMPLE_MS = 500;
const SAMPLES = 16;
const MB = 1024 * 1024;

interface Heap {
  heapUsed: number;
  external: number;
  rss: number;
  /** Replays running in the server (-1: the server does not count them). */
  replays: number;
}

function startChild(databaseUrl: string): Promise<{ child: ChildProcess; url: string }> {
  const compiled = __filename.endsWith('.js');
  const script = path.join(__dirname, `replay-memory-server.${compiled ? 'js' : 'ts'}`);
  const child = fork(script, [], {
    execArgv: compiled
      ? ['--expose-gc']
      : ['--expose-gc', '-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register'],
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      DATABASE_URL: databaseUrl,
      PORT: '0',
      HOST: '127.0.0.1',
      LEDGER_JWT_SECRET: BENCH_JWT_SECRET,
      LEDGER_LOG_LEVEL: 'warn',
      LEDGER_REPLAY_MAX_PER_USER: String(REPLAYS),
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`ledger child exited (${code}) at boot`)));
    child.once('message', (m) => resolve({ child, url: (m as { url: string }).url }));
  });
}

function heapOf(child: ChildProcess): Promise<Heap> {
  return new Promise((resolve) => {
    child.once('message', (m) => resolve(m as Heap));
    child.send('heap');
  });
}

async function ok<T>(socket: Socket, name: string, payload: unknown): Promise<T> {
  const ack = (await socket.timeout(60_000).emitWithAck(name, payload)) as {
    ok: boolean;
    data: T;
    error?: { code: string; message: string };
  };
  if (!ack.ok) throw new Error(`${name}: ${ack.error?.code} ${ack.error?.message}`);
  return ack.data;
}

/** Stops reading the socket: the server's writes pile up in its buffers once the kernel's are full. */
function stopReading(socket: Socket): void {
  const transport = socket.io.engine.transport as unknown as { ws?: { pause(): void } };
  if (!transport.ws) throw new Error('expected the websocket transport');
  transport.ws.pause();
}

async function main(): Promise<void> {
  const log = (m: string) => process.stdout.write(`${m}\n`);
  const pg = await startPostgres(log);
  const db = await createDatabase(pg.adminUrl, 'replaymem');
  const { child, url } = await startChild(db.url);
  const userId = randomUUID();
  const token = signToken(userId, BENCH_JWT_SECRET, {});
  const sockets: Socket[] = [];
  try {
    const writer = await connectSocket(url, token);
    sockets.push(writer);
    const { runId } = await ok<{ runId: string }>(writer, 'run.start', { sourceType: 'bench', settings: {} });
    const taskId = randomUUID();
    await ok(writer, 'task.create', {
      runId,
      taskId,
      service: 'chat',
      taskName: 'answer',
      provider: 'openai',
      endpoint: '/v1/chat/completions',
      model: 'gpt-4o',
      requestData: { messages: [{ role: 'user', content: 'a long answer' }] },
    });
    const text = 'x'.repeat(CHUNK_CHARS);
    for (let seq = 0; seq < CHUNKS; seq += PER_COMMAND)
      await ok(writer, 'task.chunks', {
        runId,
        taskId,
        chunks: Array.from({ length: PER_COMMAND }, (_, i) => ({ seq: seq + i, text, offsetMs: seq + i })),
      });
    await ok(writer, 'task.complete', { runId, taskId, usage: { inputTokens: 5, outputTokens: CHUNKS } });
    log(`run of ${((CHUNKS * CHUNK_CHARS) / MB).toFixed(1)} MB of chunk text (${CHUNKS} chunks) recorded`);

    const before = await heapOf(child);
    log(
      `heap before the replays: ${(before.heapUsed / MB).toFixed(1)} MB (rss ${(before.rss / MB).toFixed(0)} MB)`,
    );

    const stalled: Socket[] = [];
    for (let i = 0; i < REPLAYS; i++) {
      const s = await connectSocket(url, token);
      sockets.push(s);
      stalled.push(s);
      s.emit('run.replay', { runId, speed: 0 });
      stopReading(s);
    }
    let peak = before;
    for (let i = 0; i < SAMPLES; i++) {
      await sleep(SAMPLE_MS);
      const h = await heapOf(child);
      if (h.heapUsed > peak.heapUsed) peak = h;
    }
    const growth = (peak.heapUsed - before.heapUsed) / MB;
    log(
      `${REPLAYS} replays of the run by clients that never read: peak heap ${(peak.heapUsed / MB).toFixed(1)} MB, ` +
        `growth ${growth.toFixed(1)} MB (target < 50 MB), external ${(peak.external / MB).toFixed(1)} MB, rss ${(peak.rss / MB).toFixed(0)} MB, ` +
        `replays still running at the peak ${peak.replays}`,
    );
    for (const s of stalled) s.close();
    await sleep(2_000);
    const after = await heapOf(child);
    log(
      `heap 2 s after the clients left: ${(after.heapUsed / MB).toFixed(1)} MB, replays running ${after.replays}`,
    );
    log(growth < 50 ? 'PASS: heap growth under 50 MB' : 'FAIL: heap growth of 50 MB or more');
  } finally {
    for (const s of sockets) s.close();
    child.send('stop');
    await new Promise((r) => child.once('exit', r));
    await db.drop();
    await pg.stop();
  }
}

main().catch((error: Error) => {
  process.stderr.write(`${error.stack ?? error.message}\n`);
  process.exit(1);
});
