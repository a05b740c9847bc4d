import { randomUUID } from 'node:crypto';
import type { Socket } from 'socket.io-client';
import type { AckData, TaskView } from '@ledger/contract';
import { PostgresEventStore } from '@ledger/event-store';
import { verify } from '@ledger/projections';
import { connectClient, ok, send, startTestLedger, type TestLedger } from '../support/ledger-server';
import { newTask, settings, waitForProjection } from './helpers';

/**
 * Finding 1 (issue 12), each instance over a real socket: a value the contract accepts is acked, so the read
 * models must hold it. Before the fix each of these stopped the projector for everyone.
 */
describe('acked values the read models must hold', () => {
  let t: TestLedger;
  let socket: Socket;
  let admin: Socket;

  beforeAll(async () => {
    t = await startTestLedger();
    socket = await connectClient(t.url, t.token());
    admin = await connectClient(t.url, t.token(randomUUID(), { admin: true }));
  });
  afterAll(async () => {
    socket?.close();
    admin?.close();
    await t?.close();
  });

  async function newRunWithTask(): Promise<{ runId: string; taskId: string }> {
    const { runId } = await ok<{ runId: string }>(socket, 'run.start', { sourceType: 'chat', settings });
    const task = newTask(runId);
    await ok(socket, 'task.create', task);
    return { runId, taskId: task.taskId };
  }

  /** The projection reached the head, is running, and the rows are the fold of the log. */
  async function expectProjected(runId: string): Promise<TaskView> {
    await waitForProjection(t.pool);
    const { projections } = await ok<AckData['projections.status']>(admin, 'projections.status', {});
    expect(projections[0]).toMatchObject({ state: 'running', lag: 0 });
    const store = new PostgresEventStore(t.pool);
    expect((await verify({ store, pool: t.pool })).mismatches).toEqual([]);
    const { tasks } = await ok<AckData['run.get']>(socket, 'run.get', { runId });
    return tasks[0];
  }

  it('a fractional offsetMs (1.5) is the time to first token, exactly', async () => {
    const { runId, taskId } = await newRunWithTask();
    await ok(socket, 'task.chunk', { runId, taskId, seq: 0, text: 'hi', offsetMs: 1.5 });
    expect((await expectProjected(runId)).timeToFirstToken).toBe(1.5);
    await ok(socket, 'task.complete', { runId, taskId, usage: { inputTokens: 1, outputTokens: 1 } });
    expect(await expectProjected(runId)).toMatchObject({ timeToFirstToken: 1.5, status: 'completed' });
  });

  it('totalTimeMs 3e9 (past a 32-bit integer) is stored as given', async () => {
    const { runId, taskId } = await newRunWithTask();
    await ok(socket, 'task.complete', { runId, taskId, totalTimeMs: 3e9 });
    expect(await expectProjected(runId)).toMatchObject({ totalTime: 3e9, status: 'completed' });
  });

  it('the largest offsetMs and totalTimeMs the contract accepts (1e12, fractional) project', async () => {
    const { runId, taskId } = await newRunWithTask();
    await ok(socket, 'task.chunk', { runId, taskId, seq: 0, text: 'x', offsetMs: 1e12 });
    await ok(socket, 'task.complete', { runId, taskId, totalTimeMs: 999_999_999_999.5 });
    expect(await expectProjected(runId)).toMatchObject({
      timeToFirstToken: 1e12,
      totalTime: 999_999_999_999.5,
    });
  });

  it('usage whose total passes 2^53 is refused with VALIDATION (the contract keeps every sum exact)', async () => {
    const { runId, taskId } = await newRunWithTask();
    const max = Number.MAX_SAFE_INTEGER;
    const ack = await send(socket, 'task.complete', {
      runId,
      taskId,
      usage: { inputTokens: max, outputTokens: 1 },
    });
    expect(ack).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    await ok(socket, 'task.complete', { runId, taskId, usage: { inputTokens: max - 1, outputTokens: 1 } });
    expect(await expectProjected(runId)).toMatchObject({ tokensTotal: max, tokensInput: max - 1 });
  });
});
