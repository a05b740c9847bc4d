import { randomUUID } from 'node:crypto';
import type { Socket } from 'socket.io-client';
import { ManualClock } from '@ledger/async';
import type { RunListItem, RunView, TaskView } from '@ledger/contract';
import { PushService } from '../apps/ledger/src/read/push.service';
import {
  connectClient,
  ok,
  send,
  startTestLedger,
  taskPayload,
  waitForEvent,
  type TestLedger,
} from './support/ledger-server';

/**
 * Task and runs-list pushes are throttled on the server's injected clock: this ledger runs on a ManualClock, so time moves only
 * when the test moves it, and the assertions are about that clock (no wall-clock gaps).
 */
describe('live pushes: a streaming task and run, throttled on the injected clock', () => {
  const clock = new ManualClock(Date.parse('2026-01-01T00:00:00.000Z'));
  let t: TestLedger;
  let socket: Socket;
  beforeAll(async () => {
    // The projector on the server's own event loop (the other suites run it in its worker thread, the default).
    t = await startTestLedger({ LEDGER_PROJECTOR_THREAD: 'off' }, { clock });
    socket = await connectClient(t.url, t.token());
  });
  afterAll(async () => {
    socket?.close();
    await t?.close();
  });

  it('pushes the first state at once, then at most one per 100 ms of the clock (the latest), and the final state at once', async () => {
    const { runId } = await ok<{ runId: string }>(socket, 'run.start', { sourceType: 'chat', settings: {} });
    const taskId = randomUUID();
    await ok(socket, 'run.subscribe', { runId });
    const pushes: Array<{ at: number; task: TaskView }> = [];
    socket.on('task.updated', ({ task }: { task: TaskView }) => pushes.push({ at: clock.now(), task }));
    // run.get answers once the projection holds every acknowledged write (read-your-writes), and socket.io keeps
    // order: every push the projector's commits caused so far has arrived before its answer.
    const settled = () => ok(socket, 'run.get', { runId });
    const pushed = (text: string, status?: string) =>
      waitForEvent<{ task: TaskView }>(
        socket,
        'task.updated',
        ({ task }) => task.responseText === text && (!status || task.status === status),
      );

    const created = pushed('');
    await ok(socket, 'task.create', {
      runId,
      taskId,
      service: 'chat',
      taskName: 'answer',
      provider: 'openai',
      endpoint: '/v1/chat/completions',
      model: 'gpt-4o',
      requestData: {},
    });
    await created;
    const t0 = clock.now();

    // 300 chunks within one window of the clock: none is pushed, whatever the wall clock does meanwhile.
    let expected = '';
    for (let seq = 0; seq < 300; seq++) {
      expected += `${seq} `;
      await ok(socket, 'task.chunk', { runId, taskId, seq, text: `${seq} `, offsetMs: seq });
    }
    await settled();
    expect(pushes).toHaveLength(1);

    // The window ends: one push, the latest state.
    const latest = pushed(expected);
    clock.advance(99);
    await settled();
    expect(pushes).toHaveLength(1);
    clock.advance(1);
    await latest;
    expect(pushes.map((p) => [p.at - t0, p.task.responseText])).toEqual([
      [0, ''],
      [100, expected],
    ]);

    // A window with nothing new pushes nothing; the next change after it goes out at once.
    clock.advance(100);
    await settled();
    expect(pushes).toHaveLength(2);
    const again = pushed(`${expected}end `);
    await ok(socket, 'task.chunk', { runId, taskId, seq: 300, text: 'end ', offsetMs: 300 });
    await again;
    expect(pushes.at(-1)?.at).toBe(t0 + 200);

    // The final state is pushed at once, inside an open window.
    const final = pushed(`${expected}end `, 'completed');
    await ok(socket, 'task.complete', { runId, taskId, usage: { inputTokens: 3, outputTokens: 301 } });
    const last = await final;
    expect(last.task.status).toBe('completed');
    expect(pushes.map((p) => p.at - t0)).toEqual([0, 100, 200, 200]);
  });

  it('sends nothing about a run after its runs.removed: a task state waiting for its window is dropped', async () => {
    await ok(socket, 'runs.list', {}); // a runs list and a run page on one socket, as the reviewer's client
    const { runId } = await ok<{ runId: string }>(socket, 'run.start', { sourceType: 'chat', settings: {} });
    await ok(socket, 'run.subscribe', { runId });
    const seen: string[] = [];
    const about = (p: { run?: RunView; task?: TaskView; runId?: string }) =>
      p.run?.id ?? p.task?.runId ?? p.runId;
    socket.onAny((event: string, payload: { run?: RunView; task?: TaskView; runId?: string }) => {
      if (about(payload) === runId) seen.push(event);
    });
    const task = taskPayload(runId);
    const created = waitForEvent<{ task: TaskView }>(socket, 'task.updated', (p) => p.task.runId === runId);
    await ok(socket, 'task.create', task);
    await created; // the task's window is open: its next state waits for the clock
    await ok(socket, 'task.chunk', { runId, taskId: task.taskId, seq: 0, text: 'x', offsetMs: 1 });
    await ok(socket, 'run.get', { runId }); // projected: the streaming state is waiting for the window

    const removed = waitForEvent<{ runId: string }>(socket, 'runs.removed', (p) => p.runId === runId);
    await ok(socket, 'run.delete', { runId });
    await removed;
    clock.advance(100); // the window ends
    // A round trip: whatever the window's end sent has arrived before its ack (socket.io keeps order).
    await ok(socket, 'runs.list', {});
    expect(seen).toContain('task.updated');
    expect(seen.slice(seen.indexOf('runs.removed') + 1)).toEqual([]);
  });

  // Moved from dashboard-api.e2e-spec.ts, where its windows were measured on the wall clock.
  it('pushes a streaming run at most every 100 ms, and always its latest state', async () => {
    const owner = await connectClient(t.url, t.token(randomUUID()));
    await ok(owner, 'runs.list', {}); // the runs list's pushes go to a socket that listed its runs
    const pushes: Array<{ at: number; run: RunListItem }> = [];
    owner.on('runs.changed', ({ run }: { run: RunListItem }) => pushes.push({ at: clock.now(), run }));
    const t0 = clock.now();
    const { runId } = await ok<{ runId: string }>(owner, 'run.start', { sourceType: 'chat', settings: {} });
    // Every commit so far handed to the runs-list pushes, and what they sent arrived (socket.io keeps order).
    const flushed = async () => {
      await ok(owner, 'run.get', { runId });
      await t.ledger.app.get(PushService).runsList.idle();
      await ok(owner, 'run.get', { runId });
    };
    const pushedAt = (version: number) =>
      waitForEvent<{ run: RunListItem }>(owner, 'runs.changed', ({ run }) => run.version === version);
    await flushed();
    expect(pushes.map((p) => p.run.version)).toEqual([0]);

    // 200 commits within one window of the clock: none is pushed, whatever the wall clock does meanwhile.
    const task = taskPayload(runId);
    await ok(owner, 'task.create', task);
    for (let seq = 0; seq < 200; seq++)
      await ok(owner, 'task.chunk', { runId, taskId: task.taskId, seq, text: 'x', offsetMs: seq });
    await flushed();
    expect(pushes).toHaveLength(1);
    const streamed = pushedAt(201);
    clock.advance(100);
    await streamed;

    // The completion lands in the next window: it goes out when that window ends, the latest state.
    await ok(owner, 'task.complete', {
      runId,
      taskId: task.taskId,
      usage: { inputTokens: 5, outputTokens: 2 },
    });
    await flushed();
    clock.advance(99);
    await flushed();
    expect(pushes).toHaveLength(2);
    const final = pushedAt(202);
    clock.advance(1);
    await final;

    const elapsed = clock.now() - t0;
    expect(pushes.map((p) => p.at - t0)).toEqual([0, 100, 200]);
    expect(pushes.length).toBeLessThanOrEqual(Math.ceil(elapsed / 100) + 2);
    expect(pushes.length).toBeLessThan(200);
    const versions = pushes.map((p) => p.run.version);
    expect([...versions].sort((a, b) => a - b)).toEqual(versions);
    expect(pushes[pushes.length - 1].run).toMatchObject({ totalTokens: 7, taskCount: 1, models: ['gpt-4o'] });
    owner.close();
  });
});

describe('live pushes', () => {
  let t: TestLedger;
  let socket: Socket;
  beforeAll(async () => {
    t = await startTestLedger();
    socket = await connectClient(t.url, t.token());
  });
  afterAll(async () => {
    socket?.close();
    await t?.close();
  });

  it('stops pushing after run.unsubscribe', async () => {
    const { runId } = await ok<{ runId: string }>(socket, 'run.start', { sourceType: 'chat', settings: {} });
    await ok(socket, 'run.subscribe', { runId });
    await ok(socket, 'run.rename', { runId, name: 'first' });
    await waitForEvent<{ run: RunView }>(
      socket,
      'run.updated',
      ({ run }) => run.id === runId && run.name === 'first',
    );
    await ok(socket, 'run.unsubscribe', { runId });
    const seen: string[] = [];
    socket.on('run.updated', ({ run }: { run: RunView }) => run.id === runId && seen.push(run.name));
    await ok(socket, 'run.rename', { runId, name: 'second' });
    // A second subscriber proves the projector committed the rename before we look.
    const other = await connectClient(t.url, t.token());
    const watcher = await connectClient(t.url, (socket.auth as { token: string }).token);
    await ok(watcher, 'run.subscribe', { runId });
    await ok(socket, 'run.rename', { runId, name: 'third' });
    await waitForEvent<{ run: RunView }>(watcher, 'run.updated', ({ run }) => run.name === 'third');
    expect(seen).toEqual([]);
    expect(await send(other, 'run.subscribe', { runId })).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND' },
    });
    other.close();
    watcher.close();
  });
});
