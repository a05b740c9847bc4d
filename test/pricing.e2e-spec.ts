import { randomUUID } from 'node:crypto';
import type { Socket } from 'socket.io-client';
import { SCHEMA_VERSION } from '@ledger/domain';
import { connectLedger, recordOpenAIStream, type LedgerClient } from '@run-ledger/client';
import { openAIFlexStream } from './fixtures/openai-billing-stream';
import {
  connectClient,
  ok,
  send,
  startTestLedger,
  taskPayload,
  type TestLedger,
} from './support/ledger-server';

/** Billing dimensions and the provider-reported cost, over a real socket: command → event → read model. */
describe('pricing over a real socket', () => {
  let t: TestLedger;
  let socket: Socket;
  const userId = randomUUID();

  beforeAll(async () => {
    t = await startTestLedger();
    socket = await connectClient(t.url, t.token(userId));
  });
  afterAll(async () => {
    socket?.close();
    await t?.close();
  });

  /** The task's read-model row once the projector has it completed (polled through run.get, bounded). */
  async function completedTask(runId: string, taskId: string): Promise<Record<string, unknown>> {
    for (let attempt = 0; attempt < 800; attempt++) {
      // The projector may not have the run yet (NOT_FOUND): poll again.
      const ack = await send<{ tasks: Array<Record<string, unknown>> }>(socket, 'run.get', { runId });
      const row = ack.ok ? ack.data.tasks.find((x) => x.taskId === taskId) : undefined;
      if (row?.status === 'completed') return row;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(`task ${taskId} not completed in the read model`);
  }

  async function completedEvent(runId: string) {
    const { rows } = await t.pool.query(
      `SELECT data, metadata FROM event_log WHERE stream_id = $1 AND type = 'TaskCompleted'`,
      [`run-${runId}`],
    );
    return rows[0] as { data: Record<string, unknown>; metadata: { schemaVersion: number } };
  }

  it('prices a priority-tier call with a web search and keeps the reported cost beside it', async () => {
    const { runId } = await ok<{ runId: string }>(socket, 'run.start', { sourceType: 'chat', settings: {} });
    const task = taskPayload(runId, { model: 'gpt-5-2025-08-07' });
    await ok(socket, 'task.create', task);
    const usage = {
      inputTokens: 10_000,
      outputTokens: 2000,
      cachedInputTokens: 4000,
      reasoningTokens: 1500,
      webSearches: 1,
      serviceTier: 'priority',
    };
    const reportedCost = { amount: '0.0661', currency: 'USD', source: 'openrouter' };
    const ack = await ok<{ cost: { amount: string; priceId: string } }>(socket, 'task.complete', {
      runId,
      taskId: task.taskId,
      usage,
      reportedCost,
    });
    // Priority prices of gpt-5 ($2.50 input, $0.25 cached, $20 output) and $10 per 1000 searches:
    // (6000 × 2.5 + 4000 × 0.25 + 2000 × 20) / 1M + 1 × 0.01 = 0.056 + 0.01 = 0.066
    expect(ack.cost).toEqual({ amount: '0.066', priceId: 'openai/gpt-5@2025-08-07#priority' });

    const event = await completedEvent(runId);
    expect(event.metadata.schemaVersion).toBe(SCHEMA_VERSION);
    expect(event.data.usage).toEqual({ ...usage, cacheWriteTokens: 0, totalTokens: 12_000 });
    expect(event.data.reportedCost).toEqual(reportedCost);
    expect(event.data.cost).toMatchObject({
      amount: '0.066',
      prices: { webSearch: '0.01', serviceTier: 'priority' },
    });

    const view = await completedTask(runId, task.taskId);
    expect(view).toMatchObject({
      cost: '0.066',
      reportedCost: '0.0661',
      reportedCostCurrency: 'USD',
      reportedCostSource: 'openrouter',
    });
  });

  it('prices Claude called through Vertex AI at the Anthropic list price', async () => {
    const { runId } = await ok<{ runId: string }>(socket, 'run.start', { sourceType: 'chat', settings: {} });
    const task = taskPayload(runId, { provider: 'vertex', model: 'claude-sonnet-4@20250514' });
    await ok(socket, 'task.create', task);
    const ack = await ok<{ cost: { amount: string; priceId: string } }>(socket, 'task.complete', {
      runId,
      taskId: task.taskId,
      // 6000 five-minute and 4000 one-hour cache writes: (10000 × 3 + 6000 × 3.75 + 4000 × 6 + 1000 × 15) / 1M
      usage: { inputTokens: 20_000, outputTokens: 1000, cacheWriteTokens: 10_000, cacheWrite1hTokens: 4000 },
    });
    expect(ack.cost).toEqual({ amount: '0.0915', priceId: 'anthropic/claude-sonnet-4@2025-05-14' });
  });

  it('refuses usage parts that would be counted twice and a reported cost that is not a decimal', async () => {
    const { runId } = await ok<{ runId: string }>(socket, 'run.start', { sourceType: 'chat', settings: {} });
    const task = taskPayload(runId);
    await ok(socket, 'task.create', task);
    const twice = await send(socket, 'task.complete', {
      runId,
      taskId: task.taskId,
      usage: { inputTokens: 100, outputTokens: 10, cachedInputTokens: 60, inputAudioTokens: 50 },
    });
    expect(twice).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    const float = await send(socket, 'task.complete', {
      runId,
      taskId: task.taskId,
      usage: { inputTokens: 100, outputTokens: 10 },
      reportedCost: { amount: '1e-3', currency: 'USD', source: 'litellm' },
    });
    expect(float).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    // Corrected, the same task completes (a refused command is not remembered).
    await ok(socket, 'task.complete', {
      runId,
      taskId: task.taskId,
      usage: { inputTokens: 100, outputTokens: 10 },
      reportedCost: { amount: '0.00035', currency: 'USD', source: 'litellm' },
    });
  });

  describe('through the SDK helpers', () => {
    let ledger: LedgerClient;
    beforeAll(() => {
      ledger = connectLedger({
        url: t.url,
        token: t.token(userId),
        socketOptions: { transports: ['websocket'] },
      });
    });
    afterAll(async () => ledger?.close());

    const taskInput = {
      service: 'chat',
      taskName: 'answer',
      provider: 'openai',
      endpoint: '/v1/chat/completions',
      model: 'gpt-5-mini',
      requestData: { messages: [{ role: 'user', content: 'When?' }], service_tier: 'flex' },
    };

    it('prices a flex-tier stream at the flex price', async () => {
      const run = await ledger.startRun({ sourceType: 'chat', settings: {} });
      const task = await run.createTask(taskInput);
      for await (const chunk of recordOpenAIStream(
        task,
        (async function* () {
          yield* openAIFlexStream;
        })(),
      ))
        void chunk;
      const event = await completedEvent(run.id);
      // gpt-5-mini at half price: (1248 × 0.125 + 1152 × 0.0125 + 900 × 1) / 1M = 0.0010704
      expect(event.data.cost).toMatchObject({
        amount: '0.0010704',
        priceId: 'openai/gpt-5-mini@2025-08-07#flex',
      });
    });

    it('charges an interrupted stream for what was produced, estimated from the text when no usage came', async () => {
      const run = await ledger.startRun({ sourceType: 'chat', settings: {} });
      const task = await run.createTask(taskInput);
      const cut = new Error('client aborted');
      const stream = (async function* () {
        yield* openAIFlexStream.slice(0, 3);
        throw cut;
      })();
      await expect(
        (async () => {
          for await (const chunk of recordOpenAIStream(task, stream)) void chunk;
        })(),
      ).rejects.toBe(cut);
      const { rows } = await t.pool.query(
        `SELECT data FROM events WHERE stream_id = $1 AND type = 'TaskFailed'`,
        [`run-${run.id}`],
      );
      const failed = rows[0].data as {
        usageSource: string;
        usage: { outputTokens: number };
        cost: { amount: string };
      };
      expect(failed.usageSource).toBe('estimated');
      expect(failed.usage.outputTokens).toBeGreaterThan(0); // 'Batch later.' was received
      expect(failed.cost.amount).not.toBeNull();
      expect(Number(failed.cost.amount)).toBeGreaterThan(0);
    });
  });
});
