/* The runs list at scale: a user with 10,000 runs (among other users' runs), written as events to the log and
 * projected by the real rebuild (so the rows and the search index are the ledger's own), then `runs.list`
 * over a real socket of the real server: the first page, the next page, searches and filters.
 * Target (issue 14): the first page and a search each ≤ 300 ms.
 *
 *   npx ts-node -r tsconfig-paths/register --transpile-only test/bench/runs-list.ts [--runs 10000] [--repeat 20]
 *
 * Against DATABASE_URL (an admin URL: a fresh database is created and dropped) or an embedded PostgreSQL. */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { createPool, migrate } from '@ledger/database';
import { PostgresEventStore } from '@ledger/event-store';
import { rebuild } from '@ledger/projections';
import { startLedger } from '../../apps/ledger/src/bootstrap';
import { signToken } from '@ledger/runtime';
import { call } from './drive';
import {
  BENCH_JWT_SECRET,
  connectSocket,
  copyRows,
  createDatabase,
  percentile,
  sortedCopy,
  startPostgres,
  type EventRow,
} from './support';

const argv = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
};
const RUNS = option('runs', 10_000);
const OTHER_USERS = 20;
const OTHER_RUNS_EACH = option('other-runs', 250);
const REPEAT = option('repeat', 20);
const TARGET_MS = 300;

const TOPICS = [
  'postgres vacuum tuning',
  'react suspense boundaries',
  'kubernetes pod eviction',
  'rust borrow checker',
  'tax filing deadline',
  'sourdough starter ratio',
  'marathon training plan',
  'quarterly revenue forecast',
  'typescript generics',
  'socket reconnection backoff',
  'css grid layout',
  'database index bloat',
  'holiday itinerary for lisbon',
  'unit economics of saas',
  'llm prompt caching',
  'garden irrigation timer',
];
const MODELS = ['gpt-4o-mini', 'gpt-4o', 'claude-sonnet-4-20250514', 'gemini-2.5-flash'];
const FILLER =
  'Here is a careful answer with the steps, the trade-offs and an example you can adapt to your own case. ';

/** One chat run: RunStarted, then per task TaskCreated, a few text chunks, TaskCompleted. */
function* chatRun(userId: string, r: number, startMs: number, rare: boolean): Generator<EventRow> {
  const runId = randomUUID();
  const streamId = `run-${runId}`;
  let rev = 0;
  let t = startMs;
  const row = (type: string, data: object, command: string): EventRow => ({
    stream_id: streamId,
    stream_revision: rev++,
    event_id: randomUUID(),
    type,
    data: JSON.stringify(data),
    metadata: JSON.stringify({
      userId,
      commandId: randomUUID(),
      recordedAt: new Date(t).toISOString(),
      schemaVersion: 1,
      command,
    }),
  });
  const topic = TOPICS[r % TOPICS.length];
  yield row(
    'RunStarted',
    {
      runId,
      userId,
      sourceType: r % 3 === 0 ? 'prompt' : 'chat',
      name: `Chat about ${topic} #${r}`,
      settings: { model: MODELS[r % MODELS.length] },
      variableValues: {},
      brokerValues: {},
      startedAt: new Date(t).toISOString(),
    },
    'run.start',
  );
  for (let k = 0; k < 2; k++) {
    const taskId = randomUUID();
    const model = MODELS[(r + k) % MODELS.length];
    const question = `Question ${k} on ${topic}${rare && k === 1 ? ' mentioning the quokka protocol' : ''}: what should I do next?`;
    t += 1000;
    yield row(
      'TaskCreated',
      {
        runId,
        taskId,
        service: 'chat',
        taskName: 'reply',
        provider: model.startsWith('claude') ? 'anthropic' : model.startsWith('gemini') ? 'google' : 'openai',
        endpoint: '/v1/chat/completions',
        model,
        requestData: { model, messages: [{ role: 'user', content: question }] },
        userMessage: { content: question },
        createdAt: new Date(t).toISOString(),
      },
      'task.create',
    );
    for (let s = 0; s < 6; s++)
      yield row(
        'ChunkReceived',
        {
          runId,
          taskId,
          seq: s,
          kind: 'text',
          text: `${FILLER}(${topic}, part ${s}) `,
          offsetMs: 200 + 40 * s,
        },
        'task.chunk',
      );
    t += 500;
    yield row(
      'TaskCompleted',
      {
        runId,
        taskId,
        usage: {
          inputTokens: 80,
          outputTokens: 150,
          cachedInputTokens: 0,
          cacheWriteTokens: 0,
          reasoningTokens: 0,
          totalTokens: 230,
        },
        usageSource: 'provider',
        cost: { amount: '0.0001', priceId: 'bench/price', prices: { input: '0.15', output: '0.6' } },
        timeToFirstTokenMs: 200,
        totalTimeMs: 500,
        finishReason: 'stop',
        completedAt: new Date(t).toISOString(),
      },
      'task.complete',
    );
  }
}

function* seedRows(userId: string, others: readonly string[]): Generator<EventRow> {
  const start = Date.parse('2025-01-01T00:00:00.000Z');
  // One run every 10 minutes: the user's 10,000 runs span about 70 days.
  for (let r = 0; r < RUNS; r++) yield* chatRun(userId, r, start + r * 600_000, r % 100 === 7);
  for (const [u, other] of others.entries())
    for (let r = 0; r < OTHER_RUNS_EACH; r++)
      yield* chatRun(other, r, start + (u * OTHER_RUNS_EACH + r) * 60_000, true);
}

async function main(): Promise<void> {
  const log = (m: string) => process.stderr.write(`${m}\n`);
  const pg = await startPostgres(log);
  const db = await createDatabase(pg.adminUrl, 'runslist');
  try {
    await migrate(db.url);
    const userId = randomUUID();
    const others = Array.from({ length: OTHER_USERS }, () => randomUUID());
    let t0 = performance.now();
    const events = await copyRows(db.url, 'events', seedRows(userId, others), { streams: true });
    log(
      `seeded ${events} events (${RUNS} runs of the user, ${OTHER_USERS * OTHER_RUNS_EACH} of others) in ${Math.round(performance.now() - t0)} ms`,
    );
    const pool = createPool(db.url, 4);
    const store = new PostgresEventStore(pool);
    t0 = performance.now();
    const rebuilt = await rebuild({ store, pool });
    log(`rebuilt the read models (${rebuilt.events} events) in ${Math.round(performance.now() - t0)} ms`);
    // What a rebuild's swap does under its lock for the search documents when they are already in line.
    t0 = performance.now();
    await pool.query("SELECT ledger_sync_run_search('ai_runs', true)");
    const syncMs = performance.now() - t0;
    await store.close();
    await pool.end();

    const ledger = await startLedger({
      DATABASE_URL: db.url,
      LEDGER_JWT_SECRET: BENCH_JWT_SECRET,
      PORT: '0',
      HOST: '127.0.0.1',
      LEDGER_LOG_LEVEL: 'warn',
    });
    const socket = await connectSocket(ledger.url, signToken(userId, BENCH_JWT_SECRET));
    try {
      type List = { runs: Array<{ id: string }>; nextCursor: string | null };
      const first = await call<List>(socket, 'runs.list', {});
      const cases: Array<[string, Record<string, unknown>]> = [
        ['first page (50)', {}],
        ['next page (cursor)', { cursor: first.nextCursor }],
        ['first page (200)', { limit: 200 }],
        ['search, common word in names and messages', { q: 'vacuum' }],
        ['search, rare word (1% of runs)', { q: 'quokka' }],
        ['search, no match', { q: 'xylophone orchestra' }],
        ['search, 2 characters (names only)', { q: '#7' }],
        ['search + source + model', { q: 'garden', sourceType: 'chat', model: 'gpt-4o-mini' }],
        ['filter: model', { model: 'gemini-2.5-flash' }],
        ['filter: date range (one day)', { from: '2025-02-01', to: '2025-02-01' }],
        ['filter: starred (none)', { starred: true }],
      ];
      const rows: string[] = [];
      let worst = 0;
      for (const [label, payload] of cases) {
        for (let i = 0; i < 2; i++) await call(socket, 'runs.list', payload); // warm-up
        const ms = new Float64Array(REPEAT);
        let found = 0;
        for (let i = 0; i < REPEAT; i++) {
          const started = performance.now();
          const result = await call<List>(socket, 'runs.list', payload);
          ms[i] = performance.now() - started;
          found = result.runs.length;
        }
        const sorted = sortedCopy(ms);
        const p95 = percentile(sorted, 95);
        worst = Math.max(worst, p95);
        rows.push(
          `${label.padEnd(44)} ${String(found).padStart(5)} ${percentile(sorted, 50).toFixed(1).padStart(8)} ${p95.toFixed(1).padStart(8)} ${sorted[sorted.length - 1].toFixed(1).padStart(8)}`,
        );
      }
      const out = (s: string) => process.stdout.write(`${s}\n`);
      out(
        `runs.list over a socket: user with ${RUNS} runs, ${OTHER_USERS * OTHER_RUNS_EACH} runs of others; ${REPEAT} calls each`,
      );
      out(
        `${'case'.padEnd(44)} ${'runs'.padStart(5)} ${'p50 ms'.padStart(8)} ${'p95 ms'.padStart(8)} ${'max ms'.padStart(8)}`,
      );
      for (const r of rows) out(r);
      out(
        `search documents, a rebuild's in-swap sync over ${RUNS + OTHER_USERS * OTHER_RUNS_EACH} runs: ${syncMs.toFixed(1)} ms`,
      );
      out(
        `worst p95 ${worst.toFixed(1)} ms — target ≤ ${TARGET_MS} ms: ${worst <= TARGET_MS ? 'met' : 'MISSED'}`,
      );
    } finally {
      socket.close();
      await ledger.close();
    }
  } finally {
    await db.drop();
    await pg.stop();
  }
}

main().catch((error: Error) => {
  process.stderr.write(`runs-list bench failed: ${error.stack ?? error.message}\n`);
  process.exit(1);
});
