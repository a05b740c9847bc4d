import { randomUUID } from 'node:crypto';
import type { Socket } from 'socket.io-client';
import type { RunView, TaskView } from '@ledger/contract';
import { comparePositions } from '@ledger/event-store';
import { ProjectionHost } from '../apps/ledger/src/read/projection-host';
import { ProjectorThread } from '../apps/ledger/src/read/projector-thread';
import {
  connectClient,
  ok,
  startTestLedger,
  taskPayload,
  waitForEvent,
  type TestLedger,
} from './support/ledger-server';
import { until } from './support/until';

/** The projector in its worker thread (LEDGER_PROJECTOR_THREAD=on, the default), driven as a client drives it. */
describe('the projector in a worker thread', () => {
  let t: TestLedger;
  let socket: Socket;
  const userId = randomUUID();

  beforeAll(async () => {
    t = await startTestLedger({ LEDGER_PROJECTOR_THREAD: 'on' });
    socket = await connectClient(t.url, t.token(userId));
  });
  afterAll(async () => {
    socket?.close();
    await t?.close();
  });

  const host = () => t.ledger.app.get(ProjectionHost);

  /** A run this socket watches, with a task its user message created, projected (run.get answers once it is). */
  async function subscribedRunWithTask(content: string) {
    const { runId } = await ok<{ runId: string }>(socket, 'run.start', { sourceType: 'chat', settings: {} });
    await ok(socket, 'run.subscribe', { runId });
    const task = taskPayload(runId, { userMessage: { content } });
    await ok(socket, 'task.create', task);
    await ok(socket, 'run.get', { runId });
    return { runId, task };
  }

  it('runs in a worker, and projects while the server’s own event loop is blocked', async () => {
    expect(host().projector).toBeInstanceOf(ProjectorThread);
    const { runId } = await ok<{ runId: string }>(socket, 'run.start', { sourceType: 'chat', settings: {} });
    const task = taskPayload(runId, { userMessage: { content: 'Hi' } });
    await ok(socket, 'task.create', task);
    // Written while the projector is stopped, so that it can only be projected after the start below.
    await host().projector.stop();
    await ok(socket, 'task.chunk', { runId, taskId: task.taskId, seq: 0, text: 'Hel', offsetMs: 5 });
    const head = (await t.ledger.runtime.store.headPosition())!;
    const started = host().projector.start();
    // Nothing on this thread runs for 1.5 s: no socket, no timer, no database answer is handled here; the start
    // above was only handed over. A projector on this thread would commit after the block.
    const blockedFrom = Date.now();
    const blockedUntil = blockedFrom + 1500;
    while (Date.now() < blockedUntil);
    await started;
    const { rows } = await t.pool.query<{ commit: string; prepare: string; at: Date }>(
      `SELECT commit_position::text AS commit, prepare_position::text AS prepare, updated_at AS at
       FROM projection_checkpoints WHERE name = 'runs'`,
    );
    const reached = { commit: BigInt(rows[0].commit), prepare: BigInt(rows[0].prepare) };
    expect(comparePositions(reached, head)).toBeGreaterThanOrEqual(0);
    expect(rows[0].at.getTime()).toBeGreaterThanOrEqual(blockedFrom - 5); // PostgreSQL's clock is this one (ms)
    expect(rows[0].at.getTime()).toBeLessThan(blockedUntil);
    const text = await t.pool.query('SELECT response_text FROM ai_tasks WHERE run_id = $1', [runId]);
    expect(text.rows).toEqual([{ response_text: 'Hel' }]);
  });

  it('sends every commit back: run.updated carries the messages, also when a batch leaves them as they were', async () => {
    const { runId, task } = await subscribedRunWithTask('Tell me');
    // From here every batch leaves the run's messages as they were: they cross the thread once, then are put back.
    const runs: RunView[] = [];
    socket.on('run.updated', ({ run }: { run: RunView }) => runs.push(run));
    let text = '';
    for (let seq = 0; seq < 5; seq++) {
      text += `w${seq} `;
      await ok(socket, 'task.chunk', { runId, taskId: task.taskId, seq, text: `w${seq} `, offsetMs: seq });
      // run.get answers once the projection holds the chunk; its pushes arrived before the answer.
      await ok(socket, 'run.get', { runId });
    }
    const done = waitForEvent<{ run: RunView }>(
      socket,
      'run.updated',
      ({ run }) => run.messages.length === 2,
    );
    await ok(socket, 'task.complete', {
      runId,
      taskId: task.taskId,
      usage: { inputTokens: 2, outputTokens: 5 },
    });
    const final = await done;
    socket.off('run.updated');
    expect(runs.length).toBeGreaterThanOrEqual(6);
    const streamed = runs.slice(0, -1);
    expect(streamed.map((run) => run.messages.map((m) => m.content))).toEqual(
      streamed.map(() => ['Tell me']),
    );
    expect(final.run.messages.map((m) => [m.role, m.content])).toEqual([
      ['user', 'Tell me'],
      ['assistant', text],
    ]);
  });

  it('sends a streaming task’s text as what each batch added, and task.updated carries it whole', async () => {
    const { runId, task } = await subscribedRunWithTask('Count');
    const pushed: TaskView[] = [];
    socket.on('task.updated', ({ task: view }: { task: TaskView }) => pushed.push(view));
    // One chunk a commit (run.get answers once the projection holds it): from the second on, a commit carries
    // only the chunk's text across the thread, and the server's thread appends it to the text it kept.
    const chunks = Array.from({ length: 30 }, (_, seq) => `c${seq}${'·'.repeat(seq % 3)} `);
    for (const [seq, text] of chunks.entries()) {
      await ok(socket, 'task.chunk', { runId, taskId: task.taskId, seq, text, offsetMs: seq });
      await ok(socket, 'run.get', { runId });
    }
    const done = waitForEvent<{ task: TaskView }>(
      socket,
      'task.updated',
      ({ task: v }) => v.status === 'completed',
    );
    await ok(socket, 'task.complete', {
      runId,
      taskId: task.taskId,
      usage: { inputTokens: 1, outputTokens: 30 },
    });
    await done;
    socket.off('task.updated');
    expect(pushed.length).toBeGreaterThan(2);
    for (const view of pushed) expect(view.responseText).toBe(chunks.slice(0, view.chunkCount).join(''));
    expect(pushed.at(-1)!.responseText).toBe(chunks.join(''));
  });

  it('answers waitFor, status, stop and start through the thread', async () => {
    const projector = host().projector;
    const [status] = await host().status();
    expect(status).toMatchObject({ name: 'runs', state: 'running', lag: 0 });
    await projector.stop();
    const { runId } = await ok<{ runId: string }>(socket, 'run.start', { sourceType: 'chat', settings: {} });
    const head = (await t.ledger.runtime.store.headPosition())!;
    const unseen = await t.pool.query('SELECT 1 FROM ai_runs WHERE id = $1', [runId]);
    expect(unseen.rowCount).toBe(0);
    await projector.start();
    await projector.waitFor(head);
    const seen = await t.pool.query('SELECT 1 FROM ai_runs WHERE id = $1', [runId]);
    expect(seen.rowCount).toBe(1);
  });
  it('replaces a thread that dies, and the projection goes on from its checkpoint', async () => {
    const projector = host().projector as unknown as { worker: { terminate(): Promise<number> } };
    const dead = new Promise<void>((resolve) =>
      (projector.worker as unknown as NodeJS.EventEmitter).once('exit', () => resolve()),
    );
    await projector.worker.terminate();
    await dead;
    const { runId } = await ok<{ runId: string }>(socket, 'run.start', { sourceType: 'chat', settings: {} });
    const head = (await t.ledger.runtime.store.headPosition())!;
    // The new thread is another thread (started a second later): the projection reaches the run through it.
    await until(
      () =>
        host()
          .projector.waitFor(head)
          .then(
            () => true,
            () => false,
          ),
      'a new projector thread projecting',
    );
    const { run } = await ok<{ run: RunView }>(socket, 'run.get', { runId });
    expect(run.id).toBe(runId);
    const [status] = await host().status();
    expect(status).toMatchObject({ name: 'runs', state: 'running', lag: 0 });
  });
});
