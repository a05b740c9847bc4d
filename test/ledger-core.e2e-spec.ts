import { randomUUID } from 'node:crypto';
import type { Socket } from 'socket.io-client';
import { SCHEMA_VERSION } from '@ledger/domain';
import {
  connectClient,
  ok,
  send,
  startTestLedger,
  type TestLedger,
  taskPayload,
} from './support/ledger-server';

const settings = { model: 'gpt-4o', temperature: 0.2 };

async function eventsOf(t: TestLedger, runId: string) {
  const { rows } = await t.pool.query(
    'SELECT stream_revision, type, data, metadata FROM event_log WHERE stream_id = $1 ORDER BY stream_revision',
    [`run-${runId}`],
  );
  return rows as Array<{
    stream_revision: number;
    type: string;
    data: Record<string, unknown>;
    metadata: Record<string, unknown>;
  }>;
}

describe('ledger core over a real socket', () => {
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

  it('records a run: start, a task with a user message, streamed chunks, completion', async () => {
    const { runId } = await ok<{ runId: string }>(socket, 'run.start', { sourceType: 'chat', settings });
    const task = taskPayload(runId, {
      userMessage: {
        content: '  What is the capital of France? Please answer briefly and clearly, thanks!!  ',
      },
    });
    expect(await ok(socket, 'task.create', task)).toEqual({ taskId: task.taskId });
    const parts = ['The ', 'capital ', 'is ', 'Paris.'];
    for (const [seq, text] of parts.entries()) {
      expect(
        await ok(socket, 'task.chunk', { runId, taskId: task.taskId, seq, text, offsetMs: 100 + seq * 20 }),
      ).toEqual({ seq });
    }
    const done = await ok<{ tokensTotal: number; usageSource: string; cost: unknown }>(
      socket,
      'task.complete',
      {
        runId,
        taskId: task.taskId,
        usage: { inputTokens: 12, outputTokens: 4 },
        finishReason: 'stop',
      },
    );
    expect(done.tokensTotal).toBe(16);
    expect(done.usageSource).toBe('provider');

    const events = await eventsOf(t, runId);
    expect(events.map((e) => e.type)).toEqual([
      'RunStarted',
      'TaskCreated',
      'RunRenamed',
      // One event per task.chunk command (schema 4: a command's chunks are one ChunksReceived).
      'ChunksReceived',
      'ChunksReceived',
      'ChunksReceived',
      'ChunksReceived',
      'TaskCompleted',
    ]);
    expect(events.map((e) => e.stream_revision)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(events[2].data.name).toBe('What is the capital of France? Please answer briefly and cle');
    const completed = events[7].data as { timeToFirstTokenMs: number; usage: { totalTokens: number } };
    expect(completed.timeToFirstTokenMs).toBe(100);
    expect(completed.usage.totalTokens).toBe(16);
    for (const e of events) {
      expect(e.metadata.userId).toBe(userId);
      expect(e.metadata.schemaVersion).toBe(SCHEMA_VERSION);
      expect(typeof e.metadata.commandId).toBe('string');
      expect(Number.isNaN(Date.parse(e.metadata.recordedAt as string))).toBe(false);
    }
  });

  it('answers a retried commandId with the same ack and writes nothing new', async () => {
    const commandId = randomUUID();
    const first = await ok<{ runId: string }>(socket, 'run.start', {
      commandId,
      sourceType: 'prompt',
      settings,
    });
    const again = await ok<{ runId: string }>(socket, 'run.start', {
      commandId,
      sourceType: 'prompt',
      settings,
    });
    expect(again).toEqual(first);
    const task = taskPayload(first.runId);
    await ok(socket, 'task.create', task);
    const chunkCmd = {
      commandId: randomUUID(),
      runId: first.runId,
      taskId: task.taskId,
      seq: 0,
      text: 'hi',
      offsetMs: 5,
    };
    await ok(socket, 'task.chunk', chunkCmd);
    expect(await ok(socket, 'task.chunk', chunkCmd)).toEqual({ seq: 0 });
    const reused = await send(socket, 'task.chunk', { ...chunkCmd, text: 'other' });
    expect(reused).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
    const completeCmd = {
      commandId: randomUUID(),
      runId: first.runId,
      taskId: task.taskId,
      usage: { inputTokens: 3, outputTokens: 1 },
    };
    const c1 = await ok(socket, 'task.complete', completeCmd);
    const c2 = await ok(socket, 'task.complete', completeCmd);
    expect(c2).toEqual(c1);
    expect((await eventsOf(t, first.runId)).map((e) => e.type)).toEqual([
      'RunStarted',
      'TaskCreated',
      'ChunksReceived',
      'TaskCompleted',
    ]);
  });
});
