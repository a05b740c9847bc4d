/* How far concurrent tasks overshoot a hard budget. A user has a day budget of LIMIT USD; N clients, each on its own
 * socket, loop `task.create` → (a provider call of --call-ms) → `task.complete` (2.5 USD a task) until refused
 * BUDGET_EXCEEDED. Prints, per N, the tasks accepted, the final spend and the overshoot. A task passes the check
 * when the tasks that have *ended* sum below the limit, so the tasks in flight when it is reached all complete: the
 * overshoot is bounded by (N − 1) tasks' cost plus what ended during the check (see docs/protocol.md, Budgets).
 *
 *   npx ts-node -r tsconfig-paths/register --transpile-only test/bench/budget-overshoot.ts [--clients 1,4,16,64] [--call-ms 50]
 *
 * Against DATABASE_URL (an admin URL: a fresh database is created and dropped) or an embedded PostgreSQL. */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import Decimal from 'decimal.js';
import type { Socket } from 'socket.io-client';
import { startLedger } from '../../apps/ledger/src/bootstrap';
import { signToken } from '@ledger/runtime';
import { BENCH_JWT_SECRET, connectSocket, createDatabase, sleep, startPostgres } from './support';

const argv = process.argv.slice(2);
const option = (name: string, fallback: string): string => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : fallback;
};
const CLIENTS = option('clients', '1,4,16,64').split(',').map(Number);
const CALL_MS = Number(option('call-ms', '50'));
const LIMIT = '25';
const TASK_COST = '2.5';

type Ack<T> = { ok: true; data: T } | { ok: false; error: { code: string; message: string } };
const emit = <T>(s: Socket, name: string, payload: unknown) =>
  s.timeout(60_000).emitWithAck(name, payload) as Promise<Ack<T>>;

async function client(socket: Socket): Promise<{ accepted: number; refused: boolean }> {
  const run = await emit<{ runId: string }>(socket, 'run.start', { sourceType: 'bench', settings: {} });
  if (!run.ok) throw new Error(run.error.message);
  const runId = run.data.runId;
  let accepted = 0;
  for (;;) {
    const taskId = randomUUID();
    const created = await emit(socket, 'task.create', {
      runId,
      taskId,
      service: 'bench',
      taskName: 'call',
      provider: 'openai',
      endpoint: '/v1/chat/completions',
      model: 'gpt-4o',
      requestData: {},
    });
    if (!created.ok) {
      if (created.error.code === 'BUDGET_EXCEEDED') return { accepted, refused: true };
      throw new Error(`${created.error.code}: ${created.error.message}`);
    }
    accepted += 1;
    await sleep(CALL_MS); // the provider call the task records
    const done = await emit(socket, 'task.complete', {
      runId,
      taskId,
      usage: { inputTokens: 1_000_000, outputTokens: 0 },
    });
    if (!done.ok) throw new Error(`${done.error.code}: ${done.error.message}`);
  }
}

/** `task.create` ack times (ms) of one client recording `count` tasks in a row (completing each). */
async function createLatencies(socket: Socket, count: number): Promise<number[]> {
  const run = await emit<{ runId: string }>(socket, 'run.start', { sourceType: 'bench', settings: {} });
  if (!run.ok) throw new Error(run.error.message);
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const taskId = randomUUID();
    const started = performance.now();
    const created = await emit(socket, 'task.create', {
      runId: run.data.runId,
      taskId,
      service: 'bench',
      taskName: 'call',
      provider: 'openai',
      endpoint: '/v1/chat/completions',
      model: 'gpt-4o-mini',
      requestData: {},
    });
    times.push(performance.now() - started);
    if (!created.ok) throw new Error(created.error.message);
    await emit(socket, 'task.complete', {
      runId: run.data.runId,
      taskId,
      usage: { inputTokens: 10, outputTokens: 5 },
    });
  }
  return times.sort((a, b) => a - b);
}
const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];

async function main(): Promise<void> {
  const pg = await startPostgres((m) => process.stderr.write(`${m}\n`));
  const db = await createDatabase(pg.adminUrl, 'budget');
  const ledger = await startLedger({
    DATABASE_URL: db.url,
    LEDGER_JWT_SECRET: BENCH_JWT_SECRET,
    PORT: '0',
    HOST: '127.0.0.1',
    LEDGER_LOG_LEVEL: 'silent',
  });
  const admin = await connectSocket(ledger.url, signToken(randomUUID(), BENCH_JWT_SECRET, { admin: true }));
  const lines: string[] = [];
  const latency: string[] = [];
  try {
    for (const n of CLIENTS) {
      const userId = randomUUID();
      const set = await emit(admin, 'budget.set', { userId, period: 'day', limit: LIMIT });
      if (!set.ok) throw new Error(set.error.message);
      const token = signToken(userId, BENCH_JWT_SECRET);
      const sockets = await Promise.all(Array.from({ length: n }, () => connectSocket(ledger.url, token)));
      const results = await Promise.all(sockets.map(client));
      for (const s of sockets) s.close();
      const got = await emit<{ budget: { spent: string } }>(admin, 'budget.get', { userId });
      if (!got.ok) throw new Error(got.error.message);
      const accepted = results.reduce((a, r) => a + r.accepted, 0);
      const spent = got.data.budget.spent;
      const over = new Decimal(spent).minus(LIMIT);
      const extraTasks = accepted - new Decimal(LIMIT).div(TASK_COST).toNumber();
      lines.push(
        `${String(n).padStart(7)} | ${String(accepted).padStart(8)} | ${spent.padStart(7)} | ` +
          `${over.toFixed().padStart(9)} | ${String(extraTasks).padStart(10)} | ${String(n - 1).padStart(11)}`,
      );
    }
    // The price of the check: task.create of a user with a budget (never reached) vs one without.
    for (const withBudget of [false, true]) {
      const userId = randomUUID();
      if (withBudget) await emit(admin, 'budget.set', { userId, period: 'month', limit: '1000000' });
      const socket = await connectSocket(ledger.url, signToken(userId, BENCH_JWT_SECRET));
      const times = await createLatencies(socket, 300);
      socket.close();
      latency.push(
        `task.create ack, ${withBudget ? 'with a budget   ' : 'without a budget'}: p50 ${pct(times, 0.5).toFixed(2)} ms, ` +
          `p95 ${pct(times, 0.95).toFixed(2)} ms (300 tasks, one client)`,
      );
    }
  } finally {
    admin.close();
    await ledger.close();
    await db.drop();
    await pg.stop();
  }
  console.log(
    `budget ${LIMIT} USD a day, ${TASK_COST} USD a task (${Number(LIMIT) / Number(TASK_COST)} fit), provider call ${CALL_MS} ms`,
  );
  console.log('clients | accepted |   spent | overshoot | extra tasks | bound (N-1)');
  for (const l of lines) console.log(l);
  for (const l of latency) console.log(l);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
