import { randomUUID } from 'node:crypto';
import { signToken } from '@ledger/runtime';
import { ok, taskPayload, TEST_JWT_SECRET } from '../support/ledger-server';
import { adminToken, connectTo, useCluster, waitForStatus } from './cluster';

/** The waits for the projection that reads do on an instance that does not project (a standby). */
describe('reads that wait for the projection, on a standby', () => {
  const cluster = useCluster();
  // Long enough that a standby waiting out its bound (its own projector never commits) cannot pass for caught up.
  const WAIT_MS = 8000;

  it('budget.get and run.shares wait for the leader’s checkpoint, not out their whole bound', async () => {
    const [a, b] = await cluster.start(['a', 'b'], { LEDGER_BUDGET_WAIT_MS: String(WAIT_MS) });
    const admin = await connectTo(a, adminToken());
    cluster.sockets.push(admin);
    const { leader } = await waitForStatus(admin, (s) => s.leader != null);
    const standby = leader === 'a' ? b : a;
    const userId = randomUUID();
    const socket = await connectTo(standby, signToken(userId, TEST_JWT_SECRET));
    cluster.sockets.push(socket);

    const standbyAdmin = await connectTo(standby, adminToken());
    cluster.sockets.push(standbyAdmin);
    await ok(standbyAdmin, 'budget.set', { userId, period: 'day', limit: '100', hard: false });
    const { runId } = await ok<{ runId: string }>(socket, 'run.start', { sourceType: 'chat', settings: {} });
    const task = taskPayload(runId);
    await ok(socket, 'task.create', task);
    await ok(socket, 'task.complete', {
      runId,
      taskId: task.taskId,
      usage: { inputTokens: 100_000, outputTokens: 100_000 },
    });

    const asked = Date.now();
    const { budget } = await ok<{ budget: { spent: string } }>(socket, 'budget.get', {});
    const budgetMs = Date.now() - asked;
    expect(budget.spent).not.toBe('0'); // the completed task is counted: the wait did reach it
    expect(budgetMs).toBeLessThan(WAIT_MS / 2);

    const listed = Date.now();
    await ok(socket, 'run.shares', { runId });
    expect(Date.now() - listed).toBeLessThan(3000 / 2);
  });
});
