import { randomUUID } from 'node:crypto';
import type { Socket } from 'socket.io-client';
import { runIdFor } from '@ledger/domain';
import { encodeCursor } from '@ledger/projections';
import { connectClient, ok, send, startTestLedger, type TestLedger } from '../support/ledger-server';
import { newTask, settings } from './helpers';

interface RunView {
  id: string;
  userId: string;
  lastMessageAt: string | null;
  updatedAt: string;
}

describe("isolation: another user's runs are invisible to every read, push and replay", () => {
  let t: TestLedger;
  let alice: Socket;
  let bob: Socket;
  let admin: Socket;
  const aliceId = randomUUID();
  const bobId = randomUUID();
  const leaks: string[] = [];
  /** Every push bob receives, checked against alice's runs at the end. */
  const bobPushes: Array<{ event: string; payload: unknown }> = [];

  beforeAll(async () => {
    t = await startTestLedger();
    alice = await connectClient(t.url, t.token(aliceId));
    bob = await connectClient(t.url, t.token(bobId));
    admin = await connectClient(t.url, t.token(randomUUID(), { admin: true }));
    for (const event of ['run.updated', 'task.updated', 'replay.event'])
      bob.on(event, (payload) => bobPushes.push({ event, payload }));
  });
  afterAll(async () => {
    for (const s of [alice, bob, admin]) s?.close();
    await t?.close();
    console.log(`isolation: ${leaks.length} leaks found${leaks.length ? `: ${leaks.join('; ')}` : ''}`);
  });

  /** An ack that must be NOT_FOUND; anything else is a leak. */
  async function expectNotFound(name: string, payload: unknown): Promise<void> {
    const ack = await send(bob, name, payload);
    if (ack.ok || ack.error.code !== 'NOT_FOUND')
      leaks.push(`${name} ${JSON.stringify(payload)} -> ${JSON.stringify(ack).slice(0, 200)}`);
  }

  async function aliceRun(
    startCommandId = randomUUID(),
  ): Promise<{ runId: string; taskId: string; startCommandId: string; completeCommandId: string }> {
    const { runId } = await ok<{ runId: string }>(alice, 'run.start', {
      sourceType: 'chat',
      settings,
      commandId: startCommandId,
    });
    const task = newTask(runId);
    await ok(alice, 'task.create', task);
    await ok(alice, 'task.chunks', {
      runId,
      taskId: task.taskId,
      chunks: [0, 1, 2].map((seq) => ({ seq, text: `secret ${seq} `, offsetMs: seq })),
    });
    const completeCommandId = randomUUID();
    await ok(alice, 'task.complete', {
      runId,
      taskId: task.taskId,
      usage: { inputTokens: 1000, outputTokens: 77 },
      commandId: completeCommandId,
    });
    await ok(alice, 'run.star', { runId, starred: true });
    return { runId, taskId: task.taskId, startCommandId, completeCommandId };
  }

  it('every read command on alice’s run answers bob NOT_FOUND, empty lists or his own usage, and no push reaches him', async () => {
    const a = await aliceRun();
    const archived = await aliceRun();
    await ok(alice, 'run.archive', { runId: archived.runId });
    const { run } = await ok<{ run: RunView }>(alice, 'run.get', { runId: a.runId }); // projected

    // Bob's own run, so that his lists and usage are not trivially empty.
    const { runId: bobRun } = await ok<{ runId: string }>(bob, 'run.start', { sourceType: 'chat', settings });
    const bobTask = newTask(bobRun);
    await ok(bob, 'task.create', bobTask);
    await ok(bob, 'task.complete', {
      runId: bobRun,
      taskId: bobTask.taskId,
      usage: { inputTokens: 3, outputTokens: 2 },
    });
    await ok(bob, 'run.get', { runId: bobRun });

    for (const runId of [a.runId, archived.runId]) {
      await expectNotFound('run.get', { runId });
      await expectNotFound('run.at', { runId });
      await expectNotFound('run.at', { runId, version: 0 });
      await expectNotFound('run.at', { runId, at: new Date().toISOString() });
      await expectNotFound('run.replay', { runId });
      await expectNotFound('run.replay', { runId, fromVersion: 2, speed: 0 });
      await expectNotFound('run.subscribe', { runId });
    }

    // Lists: every filter, and a cursor forged from alice's run, show bob's runs only.
    const listings = [
      {},
      { limit: 200 },
      { archived: true },
      { archived: false },
      { starred: true },
      { sourceType: 'chat' },
      { cursor: encodeCursor(run.lastMessageAt ?? run.updatedAt, a.runId) },
      { cursor: encodeCursor('9999-12-31T00:00:00Z', 'ffffffff-ffff-4fff-bfff-ffffffffffff'), limit: 200 },
    ];
    for (const filter of listings) {
      const { runs } = await ok<{ runs: RunView[] }>(bob, 'runs.list', filter);
      for (const r of runs)
        if (r.userId !== bobId)
          leaks.push(`runs.list ${JSON.stringify(filter)} showed run ${r.id} of ${r.userId}`);
    }

    // Usage: bob's own tokens only (alice's 1077 per task never appear).
    for (const groupBy of ['day', 'model'] as const) {
      const { rows } = await ok<{
        rows: Array<{ tasks: number; inputTokens: number; outputTokens: number }>;
      }>(bob, 'usage.summary', { groupBy });
      const tasks = rows.reduce((n, r) => n + r.tasks, 0);
      const input = rows.reduce((n, r) => n + r.inputTokens, 0);
      if (tasks !== 1 || input !== 3) leaks.push(`usage.summary ${groupBy} -> ${JSON.stringify(rows)}`);
    }

    // Alice keeps writing to her run while bob (refused) "subscribed" and even unsubscribed: no push may reach him.
    await ok(bob, 'run.unsubscribe', { runId: a.runId });
    await expectNotFound('run.subscribe', { runId: a.runId });
    const watcher = await ok(alice, 'run.subscribe', { runId: a.runId }).then(() => alice);
    const task = newTask(a.runId);
    const aliceSawIt = new Promise<void>((resolve) =>
      watcher.on(
        'task.updated',
        (p: { task: { taskId: string; status: string } }) =>
          p.task.taskId === task.taskId && p.task.status === 'completed' && resolve(),
      ),
    );
    await ok(alice, 'task.create', task);
    await ok(alice, 'task.chunk', {
      runId: a.runId,
      taskId: task.taskId,
      seq: 0,
      text: 'more secret',
      offsetMs: 1,
    });
    await ok(alice, 'task.complete', {
      runId: a.runId,
      taskId: task.taskId,
      usage: { inputTokens: 5, outputTokens: 5 },
    });
    await aliceSawIt; // the pushes of these writes have gone out
    await ok(bob, 'run.get', { runId: bobRun }); // and bob's socket has processed everything sent before this ack
    const aliceRuns = new Set([a.runId, archived.runId]);
    for (const { event, payload } of bobPushes) {
      const text = JSON.stringify(payload);
      if ([...aliceRuns].some((id) => text.includes(id)) || text.includes(aliceId) || text.includes('secret'))
        leaks.push(`push ${event} to bob: ${text.slice(0, 200)}`);
    }
    expect(leaks).toEqual([]);
  });

  it('guessing ids reveals nothing: random ids, task ids as run ids, derived run ids, reused runIds and commandIds', async () => {
    const a = await aliceRun();
    // Random and related ids on every read and write naming a run.
    const guesses = [
      ...Array.from({ length: 40 }, () => randomUUID()),
      a.taskId,
      runIdFor(bobId, a.startCommandId),
    ];
    for (const runId of guesses) {
      for (const name of [
        'run.get',
        'run.at',
        'run.replay',
        'run.subscribe',
        'run.rename',
        'run.archive',
        'run.delete',
      ]) {
        const payload = name === 'run.rename' ? { runId, name: 'x' } : { runId };
        const ack = await send(bob, name, payload);
        if (name === 'run.delete' || name === 'run.archive' || name === 'run.rename') {
          if (ack.ok || ack.error.code !== 'NOT_FOUND')
            leaks.push(`${name} guess -> ${JSON.stringify(ack).slice(0, 200)}`);
        } else if (ack.ok || ack.error.code !== 'NOT_FOUND')
          leaks.push(`${name} guess -> ${JSON.stringify(ack).slice(0, 200)}`);
      }
    }
    // run.start with alice's runId: the same answer as for any run bob cannot see (never CONFLICT: that says it exists).
    await expectNotFound('run.start', { runId: a.runId, sourceType: 'chat', settings });
    // Alice's commandId replayed by bob, with alice's exact payload: NOT_FOUND, never her first ack (her cost, her tokens).
    const aliceTask = (await ok<{ tasks: Array<{ taskId: string }> }>(alice, 'run.get', { runId: a.runId }))
      .tasks[0];
    await expectNotFound('task.complete', {
      runId: a.runId,
      taskId: aliceTask.taskId,
      usage: { inputTokens: 1000, outputTokens: 77 },
      commandId: a.completeCommandId,
    });
    // The same commandId as alice's run.start, without runId: a run of bob's own, not alice's.
    const { runId: bobsOwn } = await ok<{ runId: string }>(bob, 'run.start', {
      sourceType: 'chat',
      settings,
      commandId: a.startCommandId,
    });
    if (bobsOwn === a.runId) leaks.push("run.start with alice's commandId named her run");
    // Nothing bob did wrote to alice's stream.
    const { rows } = await t.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM event_log WHERE stream_id = $1 AND metadata->>'userId' <> $2`,
      [`run-${a.runId}`, aliceId],
    );
    expect(rows[0].n).toBe(0);
    expect(leaks).toEqual([]);
  });

  it('admin commands: FORBIDDEN without the role, served with it', async () => {
    for (const name of ['projections.status', 'projections.rebuild']) {
      const ack = await send(bob, name, {});
      expect(ack).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    }
    const status = await ok<{ projections: Array<{ name: string; state: string }> }>(
      admin,
      'projections.status',
      {},
    );
    expect(status.projections.map((p) => p.name)).toContain('runs');
    const rebuilt = await ok<{ name: string; events: number }>(admin, 'projections.rebuild', {});
    expect(rebuilt.name).toBe('runs');
    expect(rebuilt.events).toBeGreaterThan(0);
    // The admin role is about projections, not about other users' runs.
    const { runs } = await ok<{ runs: RunView[] }>(admin, 'runs.list', { limit: 200 });
    expect(runs).toEqual([]);
  });
});
