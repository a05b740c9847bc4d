import { randomUUID } from 'node:crypto';
import type { Socket } from 'socket.io-client';
import { runCli } from './support/run-cli';
import {
  connectClient,
  ok,
  send,
  startTestLedger,
  taskPayload,
  type TestLedger,
} from './support/ledger-server';

describe('ledger budget set|get|clear (in process, against a running ledger)', () => {
  let t: TestLedger;
  let socket: Socket;
  const userId = randomUUID();
  const savedEnv = { ...process.env };

  beforeAll(async () => {
    t = await startTestLedger({ LEDGER_BUDGET_CACHE_MS: '0' });
    socket = await connectClient(t.url, t.token(userId));
    process.env.DATABASE_URL = t.db.url;
    process.env.LEDGER_LOG_LEVEL = 'silent';
  });
  afterAll(async () => {
    process.env = savedEnv;
    socket?.close();
    await t?.close();
  });

  it('sets a budget the server enforces, reads its spend, clears it; refuses bad input with exit 2', async () => {
    expect((await runCli('budget', 'set', '--user', userId, '--limit', '12,5')).code).toBe(2);
    expect((await runCli('budget', 'set', '--user', userId, '--limit', '1', '--period', 'week')).code).toBe(
      2,
    );
    const set = await runCli('budget', 'set', '--user', userId, '--limit', '2.50', '--period', 'day');
    expect(set).toMatchObject({ code: 0, stdout: `budget of ${userId} set\n` });
    expect(
      (await runCli('budget', 'set', '--user', userId, '--limit', '2.5', '--period', 'day')).stdout,
    ).toBe(`budget of ${userId} unchanged\n`);

    const { runId } = await ok<{ runId: string }>(socket, 'run.start', { sourceType: 'chat', settings: {} });
    const task = taskPayload(runId);
    await ok(socket, 'task.create', task);
    await ok(socket, 'task.complete', {
      runId,
      taskId: task.taskId,
      usage: { inputTokens: 1_000_000, outputTokens: 0 },
    });
    const refused = await send(socket, 'task.create', taskPayload(runId));
    expect(refused.ok || refused.error.code).toBe('BUDGET_EXCEEDED');

    const got = await runCli('budget', 'get', '--user', userId, '--json');
    expect(JSON.parse(got.stdout)).toMatchObject({
      budget: { period: 'day', limit: '2.5', spent: '2.5', remaining: '0', hard: true, unpricedTasks: 0 },
    });
    expect((await runCli('budget', 'clear', '--user', userId)).stdout).toBe(`budget of ${userId} cleared\n`);
    // This ledger trusts a budget it read for 0 ms (LEDGER_BUDGET_CACHE_MS): the CLI's clear binds at once.
    expect((await send(socket, 'task.create', taskPayload(runId))).ok).toBe(true);
    expect(JSON.parse((await runCli('budget', 'get', '--user', userId, '--json')).stdout)).toEqual({
      budget: null,
    });
  });
});
