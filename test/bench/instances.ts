/* Several instances: `npm run bench:instances [-- --quick]` (builds, then runs dist/test/bench/instances.js).
 * Against DATABASE_URL or an embedded PostgreSQL, a fresh database per scenario; pushes across instances need a
 * Redis (REDIS_URL, default redis://127.0.0.1:6379; that scenario is skipped without one). Prints:
 *  - ingest with 1, 2, 3 instances behind the same clients (chunks/s, ack p50/p99), each run written through one;
 *  - contention: one task whose chunks alternate between two instances, against the same through one;
 *  - failover: leader SIGKILLed under load → another leads → projection lag back to 0;
 *  - push latency: ack of a write on one instance → its `run.updated` on a subscriber of another (p50/p99).
 * See docs/deployment.md for the figures of a run. */
import 'reflect-metadata';
import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { Socket } from 'socket.io-client';
import { migrate } from '@ledger/database';
import { signToken } from '@ledger/runtime';
import { call, setupTasks, type TaskRef } from './drive';
import type { LoadDone, LoadStart } from './load-client';
import {
  BENCH_JWT_SECRET,
  chunkText,
  connectSocket,
  createDatabase,
  percentile,
  sleep,
  sortedCopy,
  startPostgres,
  startServer,
  type ServerChild,
} from './support';

const QUICK = process.argv.includes('--quick');
const LOAD_CLIENT = path.join(__dirname, 'load-client.js');
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const log = (m: string) => process.stdout.write(`${m}\n`);
const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d;

interface Status {
  leader?: string | null;
  lag: number;
}

async function startInstances(
  url: string,
  n: number,
  env: Record<string, string> = {},
): Promise<ServerChild[]> {
  const servers: ServerChild[] = [];
  for (let i = 0; i < n; i++)
    servers.push(
      await startServer(url, {
        env: { LEDGER_INSTANCE_ID: `i${i}`, LEDGER_LEADER_RETRY_MS: '250', ...env },
      }),
    );
  return servers;
}

async function status(socket: Socket): Promise<Status> {
  const { projections } = await call<{ projections: Status[] }>(socket, 'projections.status', {});
  return projections[0];
}

async function waitStatus(
  socket: Socket,
  accept: (s: Status) => boolean,
  timeoutMs = 60_000,
): Promise<Status> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await status(socket);
    if (accept(s)) return s;
    if (Date.now() > deadline) throw new Error(`status never matched: ${JSON.stringify(s)}`);
    await sleep(10);
  }
}

/** Forked load clients (test/bench/load-client.ts), client k connected to instance k % n. */
async function load(
  servers: ServerChild[],
  token: string,
  tasks: TaskRef[],
  clients: number,
  chunks: number,
) {
  const shares: TaskRef[][] = Array.from({ length: clients }, () => []);
  tasks.forEach((t, i) => shares[i % clients].push(t));
  const children: ChildProcess[] = [];
  const ready: Promise<void>[] = [];
  const done: Promise<LoadDone>[] = [];
  shares.forEach((share, k) => {
    const child = fork(LOAD_CLIENT, [], {
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    children.push(child);
    ready.push(
      new Promise((resolve) => child.on('message', (m: { type: string }) => m.type === 'ready' && resolve())),
    );
    done.push(
      new Promise((resolve) => child.on('message', (m: LoadDone) => m.type === 'done' && resolve(m))),
    );
    const start: LoadStart = {
      type: 'start',
      url: servers[k % servers.length].url,
      token,
      tasks: share,
      chunks,
      perCommand: 1,
    };
    child.send(start);
  });
  await Promise.all(ready);
  for (const child of children) child.send({ type: 'go' });
  const results = await Promise.all(done);
  const start = Math.min(...results.map((r) => r.start));
  const end = Math.max(...results.map((r) => r.end));
  const total = results.reduce((n, r) => n + r.chunks, 0);
  const latencies = sortedCopy(Float64Array.from(results.flatMap((r) => [...r.latencies])));
  const errors = results.reduce((n, r) => n + Object.values(r.errors).reduce((a, b) => a + b, 0), 0);
  return {
    chunksPerSec: total / ((end - start) / 1000),
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    errors,
  };
}

async function ingest(adminUrl: string, n: number) {
  const db = await createDatabase(adminUrl, `inst${n}`);
  await migrate(db.url);
  const servers = await startInstances(db.url, n);
  try {
    const token = signToken(randomUUID(), BENCH_JWT_SECRET);
    const setup = await connectSocket(servers[0].url, token);
    const tasks = await setupTasks(setup, QUICK ? 8 : 24, 1);
    setup.close();
    return await load(servers, token, tasks, QUICK ? 4 : 6, QUICK ? 150 : 400);
  } finally {
    for (const s of servers) await s.stop();
    await db.drop();
  }
}

/** One client, one task, sequential chunks: through one instance, or alternating between two. */
async function contention(adminUrl: string) {
  const db = await createDatabase(adminUrl, 'alt');
  await migrate(db.url);
  const servers = await startInstances(db.url, 2);
  try {
    const token = signToken(randomUUID(), BENCH_JWT_SECRET);
    const sockets = await Promise.all(servers.map((s) => connectSocket(s.url, token)));
    const chunks = QUICK ? 200 : 600;
    const measure = async (alternate: boolean) => {
      const [task] = await setupTasks(sockets[0], 1, 1);
      const latencies: number[] = [];
      const t0 = performance.now();
      for (let seq = 0; seq < chunks; seq++) {
        const socket = sockets[alternate ? seq % 2 : 0];
        const s = performance.now();
        await call(socket, 'task.chunk', { ...task, seq, text: chunkText(seq), offsetMs: seq });
        latencies.push(performance.now() - s);
      }
      const sorted = sortedCopy(latencies);
      return {
        chunksPerSec: chunks / ((performance.now() - t0) / 1000),
        p50: percentile(sorted, 50),
        p99: percentile(sorted, 99),
      };
    };
    const one = await measure(false);
    const two = await measure(true);
    for (const s of sockets) s.close();
    return { one, two };
  } finally {
    for (const s of servers) await s.stop();
    await db.drop();
  }
}

/** Leader SIGKILLed while a client streams through the standby; the stream stops at the kill. */
async function failover(adminUrl: string) {
  const db = await createDatabase(adminUrl, 'fail');
  await migrate(db.url);
  const servers = await startInstances(db.url, 2);
  try {
    const admin = await connectSocket(
      servers[0].url,
      signToken(randomUUID(), BENCH_JWT_SECRET, { admin: true }),
    );
    const { leader } = await waitStatus(admin, (s) => s.leader != null);
    const leading = servers[Number(String(leader).slice(1))];
    const standby = servers.find((s) => s !== leading)!;
    admin.close();
    const watcher = await connectSocket(
      standby.url,
      signToken(randomUUID(), BENCH_JWT_SECRET, { admin: true }),
    );
    const writer = await connectSocket(standby.url, signToken(randomUUID(), BENCH_JWT_SECRET));
    const tasks = await setupTasks(writer, 4, 1);
    let stop = false;
    const streams = tasks.map(async (task) => {
      for (let seq = 0; !stop; seq++)
        await call(writer, 'task.chunk', { ...task, seq, text: chunkText(seq), offsetMs: seq });
    });
    await sleep(QUICK ? 1000 : 3000);
    const killedAt = performance.now();
    leading.process.kill('SIGKILL');
    stop = true;
    await Promise.all(streams);
    const lagAtKill = (await status(watcher)).lag;
    await waitStatus(watcher, (s) => s.leader != null && s.leader !== leader);
    const electedMs = performance.now() - killedAt;
    await waitStatus(watcher, (s) => s.lag === 0);
    const caughtUpMs = performance.now() - killedAt;
    watcher.close();
    writer.close();
    return { electedMs, caughtUpMs, lagAtKill };
  } finally {
    for (const s of servers) await s.stop();
    await db.drop();
  }
}

/** Ack of a chunk written through one instance → the `run.updated` of that version on a subscriber of another. */
async function pushLatency(adminUrl: string, instances = 2) {
  const db = await createDatabase(adminUrl, 'push');
  await migrate(db.url);
  const servers = await startInstances(db.url, instances, instances > 1 ? { REDIS_URL } : {});
  try {
    const token = signToken(randomUUID(), BENCH_JWT_SECRET);
    const [a, b] = await Promise.all(
      [0, 1].map((i) => connectSocket(servers[i % servers.length].url, token)),
    );
    const [task] = await setupTasks(a, 1, 1);
    const measure = async (writer: Socket, subscriber: Socket, from: number, count: number) => {
      await call(subscriber, 'run.subscribe', { runId: task.runId });
      let resolveNext: (() => void) | null = null;
      subscriber.on('run.updated', () => resolveNext?.());
      const latencies: number[] = [];
      for (let seq = from; seq < from + count; seq++) {
        const pushed = new Promise<void>((resolve) => (resolveNext = resolve));
        await call(writer, 'task.chunk', { ...task, seq, text: chunkText(seq), offsetMs: seq });
        const acked = performance.now();
        await pushed;
        latencies.push(performance.now() - acked);
      }
      subscriber.off('run.updated');
      await call(subscriber, 'run.unsubscribe', { runId: task.runId });
      const sorted = sortedCopy(latencies);
      return { p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
    };
    const count = QUICK ? 100 : 300;
    const cross = await measure(a, b, 0, count);
    const same = await measure(b, a, count, count);
    a.close();
    b.close();
    return { cross, same };
  } finally {
    for (const s of servers) await s.stop();
    await db.drop();
  }
}

async function redisAnswers(): Promise<boolean> {
  const { createClient } = await import('redis');
  const client = createClient({ url: REDIS_URL, socket: { reconnectStrategy: false, connectTimeout: 2000 } });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
    return true;
  } catch {
    return false;
  } finally {
    client.destroy();
  }
}

async function main(): Promise<void> {
  const pg = await startPostgres(log);
  try {
    log(`several instances — ${QUICK ? 'QUICK' : 'FULL'} mode (all instances share this machine's cores)`);
    const ingests = [];
    for (const n of [1, 2, 3]) {
      const r = await ingest(pg.adminUrl, n);
      ingests.push(r);
      log(
        `ingest, ${n} instance(s): ${round(r.chunksPerSec, 0)} chunks/s (×${round(r.chunksPerSec / ingests[0].chunksPerSec, 2)}), ` +
          `ack p50 ${round(r.p50)} ms, p99 ${round(r.p99)} ms (×${round(r.p99 / ingests[0].p99, 2)}), ${r.errors} refused`,
      );
    }
    const c = await contention(pg.adminUrl);
    log(
      `one task, sequential chunks: through one instance ${round(c.one.chunksPerSec, 0)} chunks/s (p50 ${round(c.one.p50)} ms, p99 ${round(c.one.p99)} ms); ` +
        `alternating two instances ${round(c.two.chunksPerSec, 0)} chunks/s (p50 ${round(c.two.p50)} ms, p99 ${round(c.two.p99)} ms)`,
    );
    const f = await failover(pg.adminUrl);
    log(
      `failover: leader SIGKILLed with ${f.lagAtKill} events unprojected; new leader in ${round(f.electedMs, 0)} ms, ` +
        `lag back to 0 in ${round(f.caughtUpMs, 0)} ms (LEDGER_LEADER_RETRY_MS 250)`,
    );
    const alone = await pushLatency(pg.adminUrl, 1);
    log(
      `push latency (ack → run.updated), one instance without Redis: p50 ${round(alone.cross.p50)} ms, p99 ${round(alone.cross.p99)} ms`,
    );
    if (await redisAnswers()) {
      const p = await pushLatency(pg.adminUrl);
      log(
        `push latency (ack → run.updated): subscriber on another instance p50 ${round(p.cross.p50)} ms, p99 ${round(p.cross.p99)} ms; ` +
          `on the writer's instance p50 ${round(p.same.p50)} ms, p99 ${round(p.same.p99)} ms (both through Redis)`,
      );
    } else log(`push latency: skipped (no Redis at ${REDIS_URL})`);
  } finally {
    await pg.stop();
  }
}

main().then(
  () => process.exit(0),
  (error: Error) => {
    process.stderr.write(`bench failed: ${error.stack ?? error.message}\n`);
    process.exit(1);
  },
);
