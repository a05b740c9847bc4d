import { createHmac, randomUUID } from 'node:crypto';
import type { Socket } from 'socket.io-client';
import type { BudgetAlert, BudgetView } from '@ledger/contract';
import { BudgetExceededError, connectLedger } from '@run-ledger/client';
import { toBudgetStreamId } from '@ledger/domain';
import { startLedger, type RunningLedger } from '../apps/ledger/src/bootstrap';
import { BudgetAlerts } from '../apps/ledger/src/budget/budget-alerts';
import { ProjectionHost } from '../apps/ledger/src/read/projection-host';
import { BudgetStreams } from '@ledger/operations';
import { signToken } from '@ledger/runtime';
import { createTestDatabase, type TestDatabase } from './support/database';
import { connectClient, ok, send, taskPayload, waitForEvent, TEST_JWT_SECRET } from './support/ledger-server';
import { startWebhookReceiver, type ReceivedHook, type WebhookReceiver } from './support/webhook-receiver';
import { systemClock, type Clock } from '@ledger/async';

const SECRET = 'a-webhook-secret-for-the-budget-test';
/** gpt-4o input is 2.5 USD per million tokens: one such task costs exactly 2.5. */
const TASK_USAGE = { inputTokens: 1_000_000, outputTokens: 0 };
const DAY_MS = 86_400_000;

describe('budgets over a real socket: enforcement, alerts once per threshold (push + signed webhook), periods', () => {
  let db: TestDatabase;
  let hooks: WebhookReceiver;
  let ledger: RunningLedger | undefined;
  /** The ledger's clock: real time moved to 2030-01-15 10:00 UTC, shifted by whole days as the test needs. */
  let offset = Date.parse('2030-01-15T10:00:00Z') - Date.now();
  const clock: Clock = { now: () => Date.now() + offset, setTimer: systemClock.setTimer };
  const userId = randomUUID();
  const sockets: Socket[] = [];

  const start = async () => {
    ledger = await startLedger(
      {
        DATABASE_URL: db.url,
        LEDGER_JWT_SECRET: TEST_JWT_SECRET,
        PORT: '0',
        HOST: '127.0.0.1',
        LEDGER_LOG_LEVEL: 'silent',
        LEDGER_ALERT_WEBHOOK_URL: hooks.url,
        LEDGER_ALERT_WEBHOOK_SECRET: SECRET,
        LEDGER_ALERT_WEBHOOK_TIMEOUT_MS: '60000',
        LEDGER_ALERT_RETRY_MIN_MS: '20',
        LEDGER_ALERT_RETRY_MAX_MS: '200',
      },
      { clock },
    );
    return ledger;
  };
  const connect = async (id: string, admin = false) => {
    const s = await connectClient(ledger!.url, signToken(id, TEST_JWT_SECRET, { admin }));
    sockets.push(s);
    return s;
  };
  const pushes = (s: Socket) => {
    const got: BudgetAlert[] = [];
    s.on('budget.alert', (a: BudgetAlert) => got.push(a));
    return got;
  };
  const hookFor = (threshold: number) => (h: ReceivedHook) =>
    (JSON.parse(h.body) as BudgetAlert).threshold === threshold;
  const completedTask = async (s: Socket, runId: string) => {
    const task = taskPayload(runId);
    await ok(s, 'task.create', task);
    const done = await ok<{ cost: { amount: string } }>(s, 'task.complete', {
      runId,
      taskId: task.taskId,
      usage: TASK_USAGE,
    });
    expect(done.cost.amount).toBe('2.5');
  };

  beforeAll(async () => {
    db = await createTestDatabase({ migrate: false });
    hooks = await startWebhookReceiver();
    await start();
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await ledger?.close();
    await hooks?.close();
    await db?.drop();
  });

  it('sets a budget, refuses tasks past it, alerts once per threshold across a restart, and resets with the period', async () => {
    let admin = await connect(randomUUID(), true);
    let user = await connect(userId);

    // Only an admin sets budgets; a user reads its own, not another's.
    const refused = await send(user, 'budget.set', { userId, period: 'day', limit: '10' });
    expect(refused.ok || refused.error.code).toBe('FORBIDDEN');
    await ok(admin, 'budget.set', { userId, period: 'day', limit: '10' });
    expect((await send(user, 'budget.get', { userId: randomUUID() })).ok).toBe(false);
    const fresh = await ok<{ budget: BudgetView }>(user, 'budget.get', {});
    expect(fresh.budget).toMatchObject({
      period: 'day',
      limit: '10',
      spent: '0',
      remaining: '10',
      hard: true,
    });
    expect(fresh.budget.resetsAt).toBe('2030-01-16T00:00:00.000Z');

    let alerts = pushes(user);
    const { runId } = await ok<{ runId: string }>(user, 'run.start', { sourceType: 'chat', settings: {} });
    await completedTask(user, runId); // 2.5
    const half = waitForEvent<BudgetAlert>(user, 'budget.alert', (a) => a.threshold === 0.5);
    await completedTask(user, runId); // 5.0: 50 %
    expect(await half).toMatchObject({ userId, period: 'day', threshold: 0.5, spent: '5', limit: '10' });
    const halfHook = await hooks.next(hookFor(0.5));
    await completedTask(user, runId); // 7.5
    expect(alerts.map((a) => a.threshold)).toEqual([0.5]);

    // A restart: the alerts already raised (and delivered) are in the log, so they are neither raised nor sent again.
    for (const s of sockets.splice(0)) s.close();
    await ledger!.close();
    await start();
    admin = await connect(randomUUID(), true);
    user = await connect(userId);
    alerts = pushes(user);

    const running = { ...taskPayload(runId), commandId: randomUUID() };
    const last = taskPayload(runId);
    await ok(user, 'task.create', running);
    await ok(user, 'task.create', last);
    const full = waitForEvent<BudgetAlert>(user, 'budget.alert', (a) => a.threshold === 1);
    await ok(user, 'task.complete', { runId, taskId: last.taskId, usage: TASK_USAGE }); // 10: 80 % and 100 %
    await full;
    const [eightyHook, fullHook] = await Promise.all([hooks.next(hookFor(0.8)), hooks.next(hookFor(1))]);

    // Spent: the next task is refused with the details of the contract.
    const blocked = await send(user, 'task.create', taskPayload(runId));
    expect(blocked.ok).toBe(false);
    if (blocked.ok) return;
    expect(blocked.error).toMatchObject({
      code: 'BUDGET_EXCEEDED',
      details: { period: 'day', limit: '10', spent: '10', resetsAt: '2030-01-16T00:00:00.000Z' },
    });
    // The SDK: createTask rejects with a typed error, so a helper never reaches the provider call.
    const sdk = connectLedger({
      url: ledger!.url,
      token: signToken(userId, TEST_JWT_SECRET),
      socketOptions: { transports: ['websocket'] },
    });
    try {
      const sdkRun = await sdk.startRun({ sourceType: 'chat', settings: {} });
      const { runId: _r, taskId: _t, ...input } = taskPayload(sdkRun.id);
      const sdkRefusal = await sdkRun.createTask(input).catch((e: unknown) => e);
      expect(sdkRefusal).toBeInstanceOf(BudgetExceededError);
      expect((sdkRefusal as BudgetExceededError).details).toMatchObject({
        period: 'day',
        limit: '10',
        spent: '10',
      });
    } finally {
      await sdk.close();
    }
    // A task created before the limit completes normally, and a retried task.create of it gets its first ack.
    await ok(user, 'task.complete', { runId, taskId: running.taskId, usage: TASK_USAGE });
    expect(await ok(user, 'task.create', running)).toEqual({ taskId: running.taskId });
    // Another user's run stays NOT_FOUND, not BUDGET_EXCEEDED.
    const other = await connect(randomUUID());
    const theirs = await ok<{ runId: string }>(other, 'run.start', { sourceType: 'chat', settings: {} });
    expect((await send(user, 'task.create', taskPayload(theirs.runId))).ok || 'refused').toBe('refused');
    const after = await ok<{ budget: BudgetView }>(admin, 'budget.get', { userId });
    expect(after.budget).toMatchObject({ spent: '12.5', remaining: '0', unpricedTasks: 0 });

    // Exactly once each: pushes and webhooks, with the contract's headers and a valid signature.
    expect(alerts.map((a) => a.threshold)).toEqual([0.8, 1]);
    const delivered = [halfHook, eightyHook, fullHook];
    expect(new Set(hooks.received.map((h) => h.headers['x-ledger-alert-id'])).size).toBe(3);
    expect(hooks.received).toHaveLength(3);
    for (const hook of delivered) {
      const body = JSON.parse(hook.body) as BudgetAlert;
      expect(hook.headers['x-ledger-alert-id']).toBe(body.alertId);
      expect(hook.headers['content-type']).toBe('application/json');
      const expected = `sha256=${createHmac('sha256', SECRET).update(hook.body).digest('hex')}`;
      expect(hook.headers['x-ledger-signature']).toBe(expected);
      expect(Object.keys(body).sort()).toEqual([
        'alertId',
        'limit',
        'period',
        'spent',
        'threshold',
        'userId',
      ]);
    }

    // A new UTC day: the budget is whole again.
    offset += DAY_MS;
    const nextDay = await ok<{ budget: BudgetView }>(user, 'budget.get', {});
    expect(nextDay.budget).toMatchObject({
      spent: '0',
      remaining: '10',
      resetsAt: '2030-01-17T00:00:00.000Z',
    });
    await completedTask(user, runId);

    // A webhook that never answers delays nothing: its request hangs while commands keep being acknowledged.
    hooks.mode = 'hold';
    const heldHalf = hooks.next((h) => hookFor(0.5)(h) && !h.answered);
    await completedTask(user, runId); // 5.0 of the new day: 50 %
    const held = await heldHalf;
    for (let i = 0; i < 2; i++) await completedTask(user, runId); // 7.5, then 10
    const refusedAgain = await send(user, 'task.create', taskPayload(runId));
    expect(refusedAgain.ok).toBe(false);
    expect(held.answered).toBe(false);
    const newDayAlert = JSON.parse(held.body) as BudgetAlert;
    expect(newDayAlert.alertId).not.toBe(JSON.parse(halfHook.body).alertId);

    // A restart while the deliveries are undelivered: the outbox resumes them once the receiver answers.
    const alsoHeld = await Promise.all(
      [0.8, 1].map((t) =>
        hooks.next(
          (h) =>
            hookFor(t)(h) &&
            !h.answered &&
            h.headers['x-ledger-alert-id'] !== fullHook.headers['x-ledger-alert-id'] &&
            h.headers['x-ledger-alert-id'] !== eightyHook.headers['x-ledger-alert-id'],
        ),
      ),
    );
    const heldIds = new Set([held, ...alsoHeld].map((h) => h.headers['x-ledger-alert-id']));
    expect(heldIds.size).toBe(3); // the new day's 0.5, 0.8 and 1.0
    for (const s of sockets.splice(0)) s.close();
    await ledger!.close();
    hooks.mode = 'answer';
    await start();
    for (const id of heldIds) await hooks.next((h) => h.answered && h.headers['x-ledger-alert-id'] === id);
  });

  it('two instances evaluating the same spend at once store each threshold once', async () => {
    const second = await startLedger(
      {
        DATABASE_URL: db.url,
        LEDGER_JWT_SECRET: TEST_JWT_SECRET,
        PORT: '0',
        HOST: '127.0.0.1',
        LEDGER_LOG_LEVEL: 'silent',
        LEDGER_PROJECTOR: 'off',
      },
      { clock },
    );
    try {
      const spender = randomUUID();
      const s = await connect(spender);
      const { runId } = await ok<{ runId: string }>(s, 'run.start', { sourceType: 'chat', settings: {} });
      for (let i = 0; i < 4; i++) await completedTask(s, runId); // 10 USD, before any budget
      // usage_daily must hold the 10 USD (budget.get waits for the projection only when a budget is set).
      const head = (await ledger!.runtime.store.headPosition())!;
      await ledger!.app.get(ProjectionHost).projector.waitFor(head);
      // The budget is appended as is (no evaluation), then both instances evaluate at once.
      const streams = new BudgetStreams(ledger!.runtime.store);
      const state = await streams.load(spender);
      await streams.append(
        spender,
        state,
        [
          {
            type: 'BudgetSet',
            data: {
              userId: spender,
              period: 'day',
              limit: '8',
              alertAt: [0.5, 0.8, 1],
              hard: true,
              setAt: '',
            },
          },
        ],
        { userId: spender, now: new Date(clock.now()).toISOString() },
      );
      await Promise.all([
        ledger!.app.get(BudgetAlerts).evaluate(spender),
        second.app.get(BudgetAlerts).evaluate(spender),
        ledger!.app.get(BudgetAlerts).evaluate(spender),
        second.app.get(BudgetAlerts).evaluate(spender),
      ]);
      const events = await ledger!.runtime.store.readStream(toBudgetStreamId(spender));
      const reached = events.filter((e) => e.type === ('BudgetThresholdReached' as string));
      expect(reached.map((e) => (e.data as unknown as { threshold: number }).threshold).sort()).toEqual([
        0.5, 0.8, 1,
      ]);
    } finally {
      await second.close();
    }
  });

  it('deleting a run does not give its cost back to the budget', async () => {
    const admin = await connect(randomUUID(), true);
    const deleter = randomUUID();
    const s = await connect(deleter);
    await ok(admin, 'budget.set', { userId: deleter, period: 'month', limit: '5' });
    const { runId } = await ok<{ runId: string }>(s, 'run.start', { sourceType: 'chat', settings: {} });
    await completedTask(s, runId);
    await completedTask(s, runId); // 5: spent
    const deletion = { runId, commandId: randomUUID() };
    await ok(s, 'run.delete', deletion);
    await ok(s, 'run.delete', deletion); // a retry: the same ack, and the cost is not kept twice
    const got = await ok<{ budget: BudgetView }>(s, 'budget.get', {});
    expect(got.budget).toMatchObject({ spent: '5', remaining: '0' });
    const other = await ok<{ runId: string }>(s, 'run.start', { sourceType: 'chat', settings: {} });
    const refused = await send(s, 'task.create', taskPayload(other.runId));
    expect(refused.ok || refused.error.code).toBe('BUDGET_EXCEEDED');
  });
});
