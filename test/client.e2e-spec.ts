import { randomUUID } from 'node:crypto';
import type { Socket as ServerSocket } from 'socket.io';
import { toRunStreamId } from '@ledger/domain';
import { replayEvents } from '@ledger/replay';
import {
  connectLedger,
  LedgerClientError,
  recordOpenAIStream,
  type LedgerClient,
  type ReplayFrame,
  type RunWithTasks,
} from '@run-ledger/client';
import { openAIText, openAITextStream, openAITextUsage } from './fixtures/openai-chat-stream';
import { CHUNK_ROWS } from './support/chunk-rows';
import { startTestLedger, type TestLedger } from './support/ledger-server';

const settings = { model: 'gpt-4o', temperature: 0.2 };
const taskInput = (content: string) => ({
  service: 'chat',
  taskName: 'answer',
  provider: 'openai',
  endpoint: '/v1/chat/completions',
  model: 'gpt-4o',
  requestData: { messages: [{ role: 'user', content }] },
  userMessage: { content },
});

/** Resolves with run.get once `ready` holds: checked after subscribing, then on every push (a signal, never a timer). */
async function runWhen(
  ledger: LedgerClient,
  runId: string,
  ready: (r: RunWithTasks) => boolean,
): Promise<RunWithTasks> {
  let unsubscribe: (() => Promise<void>) | undefined;
  const result = new Promise<RunWithTasks>((resolve, reject) => {
    let checking = Promise.resolve();
    const check = () =>
      (checking = checking
        .then(async () => {
          const current = await ledger.getRun(runId);
          if (ready(current)) resolve(current);
        })
        .catch(reject));
    ledger.subscribe(runId, { onRun: check, onTask: check }).then((u) => {
      unsubscribe = u;
      check();
    }, reject);
  });
  try {
    return await result;
  } finally {
    await unsubscribe?.();
  }
}

async function chunkEvents(t: TestLedger, runId: string, taskId: string) {
  const { rows } = await t.pool.query<{ data: { seq: number; text?: string } }>(
    `SELECT data FROM ${CHUNK_ROWS} WHERE stream_id = $1 AND data->>'taskId' = $2 ORDER BY stream_revision, (data->>'seq')::int`,
    [`run-${runId}`, taskId],
  );
  return rows.map((r) => r.data);
}

describe('client SDK against the real ledger', () => {
  let t: TestLedger;
  let ledger: LedgerClient;
  const userId = randomUUID();

  beforeAll(async () => {
    t = await startTestLedger();
    ledger = connectLedger({
      url: t.url,
      token: t.token(userId),
      socketOptions: { transports: ['websocket'] },
    });
  });
  afterAll(async () => {
    await ledger?.close();
    await t?.close();
  });

  it('records a 2-task conversation that run.get shows back', async () => {
    const run = await ledger.startRun({ sourceType: 'chat', settings });

    const first = await run.createTask(taskInput('What is the capital of France?'));
    ['The capital ', 'of France ', 'is Paris.'].forEach((piece) => first.chunk(piece));
    const firstAck = await first.complete({
      usage: { inputTokens: 14, outputTokens: 7 },
      finishReason: 'stop',
    });
    expect(firstAck).toMatchObject({ tokensTotal: 21, usageSource: 'provider' });

    const second = await run.createTask(taskInput('And of Italy?'));
    const yielded = [];
    for await (const chunk of recordOpenAIStream(
      second,
      (async function* () {
        yield* openAITextStream;
      })(),
    ))
      yielded.push(chunk);
    expect(yielded).toHaveLength(openAITextStream.length);

    const view = await runWhen(
      ledger,
      run.id,
      (r) => r.tasks.length === 2 && r.tasks.every((task) => task.status === 'completed'),
    );
    const byId = new Map(view.tasks.map((task) => [task.taskId, task]));
    expect(byId.get(first.taskId)).toMatchObject({
      responseText: 'The capital of France is Paris.',
      status: 'completed',
      tokensTotal: 21,
    });
    expect(byId.get(second.taskId)).toMatchObject({
      responseText: openAIText,
      status: 'completed',
      tokensInput: openAITextUsage.inputTokens,
      tokensCached: openAITextUsage.cachedInputTokens,
      tokensReasoning: openAITextUsage.reasoningTokens,
      finishReason: 'stop',
    });
    expect(view.run).toMatchObject({ messageCount: 4, taskCount: 2, name: 'What is the capital of France?' });
    expect(view.run.messages.map((m) => [m.role, m.content])).toEqual([
      ['user', 'What is the capital of France?'],
      ['assistant', 'The capital of France is Paris.'],
      ['user', 'And of Italy?'],
      ['assistant', openAIText],
    ]);
  });

  it('loses and duplicates no chunk when the server kills the socket mid-stream', async () => {
    const run = await ledger.startRun({ sourceType: 'prompt', settings, name: 'reconnect' });
    const task = await run.createTask(taskInput('Count to two thousand'));
    const pieces = Array.from({ length: 2000 }, (_, i) => `${i} `);

    // Kill the socket from the server as the 10th chunk batch arrives: it is then processed, its ack lost, and
    // the client must resend it (same commandId) and everything after it once it has reconnected.
    let batches = 0;
    let killed = false;
    const onConnection = (socket: ServerSocket) =>
      socket.onAny((event: string) => {
        if (event === 'task.chunks' && ++batches === 10 && !killed) {
          killed = true;
          t.disconnectSockets(userId);
        }
      });
    t.ledger.gateway.server.on('connection', onConnection);
    t.ledger.gateway.server.sockets.sockets.forEach(onConnection);

    for (const [i, piece] of pieces.entries()) {
      task.chunk(piece);
      if (i % 100 === 99) await new Promise((resolve) => setImmediate(resolve)); // let the batches go out as they fill
    }
    const ack = await task.complete({ usage: { inputTokens: 5, outputTokens: 2000 } });
    t.ledger.gateway.server.off('connection', onConnection);

    expect(killed).toBe(true);
    expect(ack.tokensTotal).toBe(2005);
    const chunks = await chunkEvents(t, run.id, task.taskId);
    expect(chunks.map((c) => c.seq)).toEqual(pieces.map((_, i) => i));
    expect(chunks.map((c) => c.text).join('')).toBe(pieces.join(''));

    const view = await runWhen(ledger, run.id, (r) => r.tasks[0]?.status === 'completed');
    expect(view.tasks[0].responseText).toBe(pieces.join(''));
    expect(view.tasks[0].chunkCount).toBe(2000);
  });

  it('replays a run with for await, in version order, ending on the ack', async () => {
    const run = await ledger.startRun({ sourceType: 'chat', settings, name: 'replayed' });
    const task = await run.createTask(taskInput('Hi'));
    ['Hel', 'lo', '!'].forEach((piece) => task.chunk(piece));
    await task.complete({ usage: { inputTokens: 1, outputTokens: 3 } });
    await run.rename('replayed, renamed');

    const frames: ReplayFrame[] = [];
    const replay = ledger.replay(run.id, { speed: 0 });
    for await (const frame of replay) frames.push(frame);

    expect(frames.map((f) => f.type)).toEqual([
      'RunStarted',
      'TaskCreated',
      'ChunkReceived',
      'ChunkReceived',
      'ChunkReceived',
      'TaskCompleted',
      'RunRenamed',
    ]);
    // The SDK batches chunks into commands, and a command's chunks are one event: its frames share its version.
    const log = replayEvents(await t.ledger.runtime.store.readStream(toRunStreamId(run.id)));
    expect(frames.map((f) => [f.type, f.version])).toEqual(log.map((e) => [e.type, e.revision]));
    expect(frames.map((f) => f.data.seq).filter((seq) => seq !== undefined)).toEqual([0, 1, 2]);
    expect(frames.every((f) => f.runId === run.id)).toBe(true);
    expect(await replay.done).toEqual({ runId: run.id, events: 7 });

    const completedAt = frames.find((f) => f.type === 'TaskCompleted')!.version;
    const tail: ReplayFrame[] = [];
    for await (const frame of ledger.replay(run.id, { fromVersion: completedAt })) tail.push(frame);
    expect(tail.map((f) => f.type)).toEqual(['TaskCompleted', 'RunRenamed']);
  });

  it('rejects a command the server refuses with its protocol code, and a bad token with UNAUTHORIZED', async () => {
    await expect(ledger.run(randomUUID()).rename('nobody')).rejects.toMatchObject({ code: 'NOT_FOUND' });

    const stranger = connectLedger({
      url: t.url,
      token: 'not-a-jwt',
      socketOptions: { transports: ['websocket'] },
    });
    const refused = stranger.startRun({ sourceType: 'chat', settings }).catch((e: unknown) => e);
    await expect(refused).resolves.toBeInstanceOf(LedgerClientError);
    await expect(refused).resolves.toMatchObject({ code: 'UNAUTHORIZED' });
    await stranger.close().catch(() => undefined);
  });
});
