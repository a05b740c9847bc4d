import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Decimal from 'decimal.js';
import type { Socket } from 'socket.io-client';
import type { RunView, TaskView } from '@ledger/contract';
import { SCHEMA_VERSION, toRunStreamId } from '@ledger/domain';
import { runCli as cli, runCliWith } from './support/run-cli';
import { ProjectionHost } from '../apps/ledger/src/read/projection-host';
import { createTestDatabase } from './support/database';
import { connectClient, ok, send, startTestLedger, type TestLedger } from './support/ledger-server';

const task = (runId: string, model: string, provider: string, extra: Record<string, unknown> = {}) => ({
  runId,
  taskId: randomUUID(),
  service: 'chat',
  taskName: 'answer',
  provider,
  endpoint: '/v1/chat/completions',
  model,
  requestData: { messages: [{ role: 'user', content: 'hi' }] },
  ...extra,
});

type RunGet = { run: RunView; tasks: TaskView[] };

describe('the ledger CLI (in process, against a running ledger)', () => {
  let t: TestLedger;
  let socket: Socket;
  const userId = randomUUID();
  const savedEnv = { ...process.env };

  /** Resolves once the server's projector has committed everything now in the log (no sleeps). */
  async function projected(): Promise<void> {
    const head = await t.ledger.runtime.store.headPosition();
    if (head) await t.ledger.app.get(ProjectionHost).projector.waitFor(head);
  }

  beforeAll(async () => {
    t = await startTestLedger();
    socket = await connectClient(t.url, t.token(userId));
    process.env.DATABASE_URL = t.db.url;
    process.env.LEDGER_LOG_LEVEL = 'silent';
    delete process.env.LEDGER_PRICES_FILE;
  });
  afterAll(async () => {
    process.env = savedEnv;
    socket?.close();
    await t?.close();
  });

  /** A run with one streamed task (text and a tool chunk) and one failed task. */
  async function recordConversation(): Promise<{
    runId: string;
    taskId: string;
    text: string;
    cost: string;
  }> {
    const { runId } = await ok<{ runId: string }>(socket, 'run.start', {
      sourceType: 'chat',
      name: 'CLI conversation',
      settings: { model: 'gpt-4o' },
    });
    const t1 = task(runId, 'gpt-4o', 'openai', {
      userMessage: { content: 'What is the capital of France?' },
    });
    await ok(socket, 'task.create', t1);
    const parts = ['The capital ', 'of France ', 'is Paris.'];
    await ok(socket, 'task.chunks', {
      runId,
      taskId: t1.taskId,
      chunks: [
        { seq: 0, text: parts[0], offsetMs: 120 },
        { seq: 1, kind: 'tool', payload: { name: 'lookup', args: { q: 'France' } }, offsetMs: 140 },
        { seq: 2, text: parts[1], offsetMs: 160 },
        { seq: 3, text: parts[2], offsetMs: 200 },
      ],
    });
    const done = await ok<{ cost: { amount: string } }>(socket, 'task.complete', {
      runId,
      taskId: t1.taskId,
      usage: { inputTokens: 1200, outputTokens: 300, cachedInputTokens: 200, reasoningTokens: 0 },
      finishReason: 'stop',
    });
    const t2 = task(runId, 'gpt-4o', 'openai', { userMessage: { content: 'And of Spain?' } });
    await ok(socket, 'task.create', t2);
    await ok(socket, 'task.chunk', { runId, taskId: t2.taskId, seq: 0, text: 'Mad', offsetMs: 50 });
    await ok(socket, 'task.fail', {
      runId,
      taskId: t2.taskId,
      error: { code: 'UPSTREAM', message: 'connection reset' },
      usage: { inputTokens: 10, outputTokens: 1 },
    });
    return { runId, taskId: t1.taskId, text: parts.join(''), cost: done.cost.amount };
  }

  it('replay --speed 0 prints the user message, the whole response and a footer per task', async () => {
    const { runId, text, cost } = await recordConversation();
    const r = await cli('replay', runId, '--speed', '0');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('user: What is the capital of France?');
    expect(r.stdout).toContain('CLI conversation');
    // The text is split by the tool marker line; joined, it is the whole response.
    const assistant = r.stdout.split('\n').filter((l) => !l.includes('[tool]'));
    expect(assistant.join('')).toContain(text);
    expect(r.stdout).toMatch(/\[tool\] \{.*"name":"lookup".*\}/);
    expect(r.stdout).toContain(
      `✓ 1500 tokens (1200 in, 300 out, 200 cached) · $${cost} · first token 120 ms`,
    );
    expect(r.stdout).toContain('✗ failed: UPSTREAM: connection reset');
    // Ownership check: another user's id is "not found" (exit 1).
    const other = await cli('replay', runId, '--speed', '0', '--user', randomUUID());
    expect(other.code).toBe(1);
    expect(other.stderr).toContain('not found');
  });

  it('exports JSONL lines equal to the stored events, and OTel GenAI spans with the usage', async () => {
    const { runId, taskId, cost } = await recordConversation();
    const stored = await t.ledger.runtime.store.readStream(toRunStreamId(runId));
    const jsonl = await cli('export', runId, '--format', 'jsonl');
    expect(jsonl.code).toBe(0);
    const lines = jsonl.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toEqual(
      stored.map((e) => ({
        streamId: e.streamId,
        version: e.revision,
        type: e.type,
        data: e.data,
        metadata: e.metadata,
      })),
    );

    const otel = await cli('export', runId, '--format', 'otel');
    expect(otel.code).toBe(0);
    const docs = otel.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(docs).toHaveLength(1);
    const spans = docs[0].resourceSpans[0].scopeSpans[0].spans as Array<{
      traceId: string;
      spanId: string;
      name: string;
      startTimeUnixNano: string;
      endTimeUnixNano: string;
      attributes: Array<{ key: string; value: Record<string, unknown> }>;
      status: { code: number };
    }>;
    expect(spans).toHaveLength(2);
    const attrs = (s: (typeof spans)[number]) =>
      Object.fromEntries(s.attributes.map((a) => [a.key, Object.values(a.value)[0]]));
    const [ok1, failed] = spans;
    expect(ok1.traceId).toBe(runId.replace(/-/g, ''));
    expect(ok1.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(ok1.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(ok1.spanId).not.toBe(failed.spanId);
    expect(ok1.name).toBe('chat gpt-4o');
    expect(BigInt(ok1.endTimeUnixNano) >= BigInt(ok1.startTimeUnixNano)).toBe(true);
    const created = stored.find(
      (e) => e.type === 'TaskCreated' && (e.data as { taskId: string }).taskId === taskId,
    )!;
    expect(ok1.startTimeUnixNano).toBe(
      (BigInt(Date.parse((created.data as { createdAt: string }).createdAt)) * 1_000_000n).toString(),
    );
    expect(attrs(ok1)).toMatchObject({
      'gen_ai.provider.name': 'openai',
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': 'gpt-4o',
      'gen_ai.conversation.id': runId,
      'gen_ai.usage.input_tokens': '1200',
      'gen_ai.usage.output_tokens': '300',
      'gen_ai.usage.cache_read.input_tokens': '200',
      'gen_ai.usage.reasoning.output_tokens': '0',
      'gen_ai.response.time_to_first_chunk': 0.12,
      'gen_ai.response.finish_reasons': { values: [{ stringValue: 'stop' }] },
      'ledger.cost_usd': cost,
      'ledger.time_to_first_chunk_ms': '120',
      'ledger.task_id': taskId,
    });
    expect(ok1.status.code).toBe(1);
    expect(failed.status.code).toBe(2);
    expect(attrs(failed)['gen_ai.usage.input_tokens']).toBe('10');

    // --user: every run of the user, to a file.
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'ledger-cli-')), 'all.jsonl');
    const all = await cli('export', '--user', userId, '--format', 'jsonl', '--out', file);
    expect(all.code).toBe(0);
    expect(all.stderr).toMatch(/exported \d+ run\(s\)/);
  });

  it('writes its logs to stderr: with a superuser DATABASE_URL, stdout still parses as the data', async () => {
    // The test database's login is a superuser, so the runtime warns; the other tests silence the logs.
    const { runId } = await recordConversation();
    const env = { ...process.env, LEDGER_LOG_LEVEL: 'warn' } as Record<string, string>;
    const superuserWarning = /"level":40.*DATABASE_URL logs in as a superuser/;
    const jsonl = await runCliWith({ env }, 'export', runId);
    expect(jsonl.code).toBe(0);
    const lines = jsonl.stdout.trimEnd().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as { streamId: string }).streamId)).toEqual(
      lines.map(() => toRunStreamId(runId)),
    );
    expect(jsonl.stderr).toMatch(superuserWarning);
    const status = await runCliWith({ env }, 'projections', 'status', '--json');
    expect(status.code).toBe(0);
    expect(() => JSON.parse(status.stdout) as unknown).not.toThrow();
    expect(status.stderr).toMatch(superuserWarning);
    const budget = await runCliWith({ env }, 'budget', 'get', '--user', userId, '--json');
    expect(budget.code).toBe(0);
    expect(JSON.parse(budget.stdout)).toEqual({ budget: null });
    expect(budget.stderr).toMatch(superuserWarning);
  });

  it('totals three priced models (OpenAI, Anthropic, Google) to the exact decimal sum of the task costs', async () => {
    const { runId } = await ok<{ runId: string }>(socket, 'run.start', { sourceType: 'chat', settings: {} });
    const models: Array<[string, string]> = [
      ['gpt-4o', 'openai'],
      ['claude-sonnet-4-20250514', 'anthropic'],
      ['gemini-2.5-flash', 'google'],
    ];
    const costs: string[] = [];
    for (const [model, provider] of models) {
      const tk = task(runId, model, provider);
      await ok(socket, 'task.create', tk);
      await ok(socket, 'task.chunk', { runId, taskId: tk.taskId, seq: 0, text: 'ok', offsetMs: 5 });
      const done = await ok<{ cost: { amount: string | null; priceId: string | null } }>(
        socket,
        'task.complete',
        {
          runId,
          taskId: tk.taskId,
          usage: { inputTokens: 123_457, outputTokens: 7_891, cachedInputTokens: 1_001, reasoningTokens: 13 },
        },
      );
      expect(done.cost.amount).not.toBeNull();
      expect(done.cost.priceId).toContain(provider);
      costs.push(done.cost.amount as string);
    }
    await projected();
    const got = await ok<RunGet>(socket, 'run.get', { runId });
    const sum = costs.reduce((s, c) => s.plus(c), new Decimal(0));
    expect(got.run.totalCost).toBe(sum.toFixed());
    expect(got.tasks.map((x) => x.cost).sort()).toEqual([...costs].sort());
    expect(new Set(costs).size).toBe(3);
  });

  it('prices missing lists an unknown model; prices reprice appends TaskRepriced and total_cost follows', async () => {
    const model = `acme-test-${randomUUID().slice(0, 8)}`;
    const { runId } = await ok<{ runId: string }>(socket, 'run.start', { sourceType: 'chat', settings: {} });
    const priced = task(runId, 'gpt-4o', 'openai');
    await ok(socket, 'task.create', priced);
    const pricedDone = await ok<{ cost: { amount: string } }>(socket, 'task.complete', {
      runId,
      taskId: priced.taskId,
      usage: { inputTokens: 1000, outputTokens: 100 },
    });
    const unknown = [task(runId, model, 'acme'), task(runId, model, 'acme')];
    for (const u of unknown) {
      await ok(socket, 'task.create', u);
      const done = await ok<{ cost: { amount: string | null } }>(socket, 'task.complete', {
        runId,
        taskId: u.taskId,
        usage: { inputTokens: 1_000_000, outputTokens: 500_000 },
      });
      expect(done.cost.amount).toBeNull();
    }
    await projected();
    const before = await ok<RunGet>(socket, 'run.get', { runId });
    expect(before.run.unpricedTaskCount).toBe(2);
    expect(before.run.totalCost).toBe(pricedDone.cost.amount);

    const missing = await cli('prices', 'missing');
    expect(missing.code).toBe(0);
    expect(missing.stdout).toMatch(new RegExp(`acme\\s+${model}\\s+2`));

    // The operator adds the price (overrides file), then reprices.
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ledger-prices-'));
    const file = path.join(dir, 'prices.json');
    writeFileSync(
      file,
      JSON.stringify([
        {
          id: `acme/${model}@2020-01-01`,
          provider: 'acme',
          model,
          effectiveFrom: '2020-01-01',
          checkedAt: '2025-01-01',
          source: 'https://acme.example/pricing',
          prices: { input: '2', output: '10' },
        },
      ]),
    );
    process.env.LEDGER_PRICES_FILE = file;
    try {
      const dry = await cli('prices', 'reprice', '--model', model, '--since', '2020-01-01', '--dry-run');
      expect(dry.code).toBe(0);
      expect(dry.stdout).toContain('dry run: 2 task(s) in 1 run(s)');
      expect(await t.ledger.runtime.store.streamRevision(toRunStreamId(runId))).toBe(before.run.version);

      const r = await cli(
        'prices',
        'reprice',
        '--model',
        model,
        '--since',
        '2020-01-01',
        '--reason',
        'acme price added',
      );
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('repriced 2 task(s) in 1 run(s)');
      expect(r.stdout).toContain('unpriced → $7');

      const events = await t.ledger.runtime.store.readStream(toRunStreamId(runId));
      const repriced = events.filter((e) => e.type === 'TaskRepriced');
      expect(repriced).toHaveLength(2);
      for (const e of repriced) {
        expect(e.data).toMatchObject({
          runId,
          cost: { amount: '7', priceId: `acme/${model}@2020-01-01` },
          previousCost: { amount: null },
          reason: 'acme price added',
        });
        expect((e.data as { catalogVersion: string }).catalogVersion).toMatch(/\+overrides\.[0-9a-f]{12}$/);
        expect(e.metadata).toMatchObject({
          userId,
          schemaVersion: SCHEMA_VERSION,
          command: 'prices.reprice',
        });
      }
      // The old cost stays in the log.
      expect(
        events.filter(
          (e) =>
            e.type === 'TaskCompleted' &&
            (e.data as { cost: { amount: string | null } }).cost.amount === null,
        ),
      ).toHaveLength(2);

      await projected();
      const after = await ok<RunGet>(socket, 'run.get', { runId });
      expect(after.run.version).toBe(events[events.length - 1].revision);
      expect(after.run.totalCost).toBe(new Decimal(pricedDone.cost.amount).plus(14).toFixed());
      expect(after.run.unpricedTaskCount).toBe(0);

      // A second reprice changes nothing; missing no longer lists the model.
      const again = await cli('prices', 'reprice', '--model', model, '--since', '2020-01-01');
      expect(again.stdout).toContain('repriced 0 task(s)');
      expect((await cli('prices', 'missing')).stdout).not.toContain(model);
    } finally {
      delete process.env.LEDGER_PRICES_FILE;
    }
  });

  it('usage, prices list/show, projections status', async () => {
    await projected();
    const byModel = await cli('usage', '--user', userId, '--by', 'model');
    expect(byModel.code).toBe(0);
    expect(byModel.stdout).toMatch(/gpt-4o\s+\d+/);
    expect(byModel.stdout).toContain('TOTAL');
    const list = await cli('prices', 'list');
    expect(list.stdout).toContain('openai/gpt-4o@');
    const show = await cli('prices', 'show', 'claude-sonnet-4-20250514', '--provider', 'anthropic');
    expect(show.code).toBe(0);
    expect(show.stdout).toContain('anthropic/claude-sonnet-4@');
    expect((await cli('prices', 'show', 'no-such-model-xyz')).code).toBe(1);
    const status = await cli('projections', 'status');
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/runs\s+\S+\s+0\s+0\s+running/);
  });

  it('projections verify reports 0 mismatches (exit 0)', async () => {
    await projected();
    const r = await cli('projections', 'verify');
    expect(r.stdout).toMatch(/verified \d+ runs: 0 mismatches/);
    expect(r.code).toBe(0);
  });

  it("runs erase removes a user's runs, and a rebuild does not bring them back", async () => {
    const victim = randomUUID();
    const s = await connectClient(t.url, t.token(victim));
    try {
      const runIds: string[] = [];
      for (let i = 0; i < 3; i++) {
        const { runId } = await ok<{ runId: string }>(s, 'run.start', { sourceType: 'chat', settings: {} });
        const tk = task(runId, 'gpt-4o', 'openai', { userMessage: { content: `secret ${i}` } });
        await ok(s, 'task.create', tk);
        await ok(s, 'task.complete', {
          runId,
          taskId: tk.taskId,
          usage: { inputTokens: 5, outputTokens: 5 },
        });
        runIds.push(runId);
      }
      await projected();
      const count = async () =>
        Number(
          (await t.pool.query('SELECT count(*) FROM ai_runs WHERE user_id = $1', [victim])).rows[0].count,
        );
      expect(await count()).toBe(3);

      const r = await cli('runs', 'erase', '--user', victim);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('erased 3 run(s)');
      await projected();
      expect(await count()).toBe(0);
      expect(
        Number(
          (await t.pool.query('SELECT count(*) FROM ai_tasks WHERE user_id = $1', [victim])).rows[0].count,
        ),
      ).toBe(0);
      for (const runId of runIds) {
        const events = await t.ledger.runtime.store.readStream(toRunStreamId(runId));
        expect(events.map((e) => e.type)).toEqual(['RunDeleted']);
      }
      // (One run.get only: the server's read-your-writes wait, keyed on the version its writer last wrote, holds
      // run.get of a run erased behind its back for up to 3 s before answering NOT_FOUND.)
      expect(await send(s, 'run.get', { runId: runIds[0] })).toMatchObject({
        ok: false,
        error: { code: 'NOT_FOUND' },
      });

      const rebuilt = await cli('projections', 'rebuild');
      expect(rebuilt.code).toBe(0);
      expect(rebuilt.stdout).toMatch(/rebuilt runs: \d+ events/);
      expect(await count()).toBe(0);
      expect((await cli('runs', 'erase', '--user', victim)).stdout).toContain('erased 0 run(s)');
      // The other user's runs survived the rebuild, and the rows still match the log.
      expect(
        Number(
          (await t.pool.query('SELECT count(*) FROM ai_runs WHERE user_id = $1', [userId])).rows[0].count,
        ),
      ).toBeGreaterThan(0);
      await projected();
      expect((await cli('projections', 'verify')).stdout).toContain(': 0 mismatches');
    } finally {
      s.close();
    }
  });

  it('store copy: PostgreSQL to another PostgreSQL, every run stream, ids kept; a second copy writes nothing', async () => {
    const target = await createTestDatabase();
    try {
      const r = await cli(
        'store',
        'copy',
        '--from',
        'postgres',
        '--to',
        'postgres',
        '--from-url',
        t.db.url,
        '--to-url',
        target.url,
      );
      expect(r.code).toBe(0);
      const source = await t.pool.query(
        `SELECT stream_id, stream_revision, event_id::text, type, data, metadata FROM event_log WHERE stream_id LIKE 'run-%' ORDER BY stream_id, stream_revision`,
      );
      const copied = await target.pool.query(
        `SELECT stream_id, stream_revision, event_id::text, type, data, metadata FROM event_log ORDER BY stream_id, stream_revision`,
      );
      // Erased streams are copied as their tombstone, whose revision starts again at 0 (copyStore); the others keep theirs.
      const key = (rows: Array<Record<string, unknown>>) =>
        rows.map((row) => (row.type === 'RunDeleted' ? { ...row, stream_revision: null } : row));
      expect(key(copied.rows)).toEqual(key(source.rows));
      expect(
        copied.rows.filter((row) => row.type === 'RunDeleted').map((row) => Number(row.stream_revision)),
      ).toEqual([0, 0, 0]);
      expect(r.stdout).toContain(`copied ${source.rows.length} event(s)`);
      expect(
        (
          await cli(
            'store',
            'copy',
            '--from',
            'postgres',
            '--to',
            'postgres',
            '--from-url',
            t.db.url,
            '--to-url',
            target.url,
          )
        ).stdout,
      ).toContain('copied 0 event(s)');
      expect(
        (
          await cli(
            'store',
            'copy',
            '--from',
            'postgres',
            '--to',
            'postgres',
            '--from-url',
            t.db.url,
            '--to-url',
            t.db.url,
          )
        ).code,
      ).toBe(2);
    } finally {
      await target.drop();
    }
  });

  it('usage errors exit 2 with a clear message; --help exits 0', async () => {
    const bad = await cli('replay', 'not-a-uuid');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('runId must be a UUID');
    expect((await cli('export', '--format', 'jsonl')).code).toBe(2);
    expect((await cli('export', randomUUID(), '--format', 'xml')).stderr).toContain(
      '--format must be jsonl or otel',
    );
    expect((await cli('no-such-command')).code).toBe(2);
    expect((await cli('usage')).stderr).toContain("required option '--user <uuid>'");
    expect((await cli('prices', 'reprice', '--model', 'x', '--since', 'yesterday')).code).toBe(2);
    expect((await cli('store', 'copy', '--from', 'mysql', '--to', 'postgres')).code).toBe(2);
    const help = await cli('replay', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--speed <n>');
    expect((await cli('replay', randomUUID())).code).toBe(1);
  });
});
