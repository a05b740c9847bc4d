import { randomUUID } from 'node:crypto';
import type { Socket } from 'socket.io-client';
import type { RunListItem, RunView, TaskView } from '@ledger/contract';
import { signToken } from '@ledger/runtime';
import { ok, TEST_JWT_SECRET } from '../support/ledger-server';
import { newTask, waitForProjection } from '../reliability/helpers';
import { adminToken, connectTo, useCluster, waitForStatus } from './cluster';
import { redisAnswers, SHARED_REDIS_URL } from './redis';
import { until } from '../support/until';

const SKIPPED = 'skipped: no Redis at 127.0.0.1:6379';
const available = redisAnswers();
if (!available) console.warn(`pushes across instances ${SKIPPED}`);
const describeIf = available ? describe : describe.skip;

const CHUNKS = 40;

/** Everything pushed to one socket, in arrival order. */
export function collectPushes(socket: Socket) {
  const got = {
    runs: [] as RunView[],
    tasks: [] as TaskView[],
    list: [] as RunListItem[],
  };
  socket.on('run.updated', ({ run }: { run: RunView }) => got.runs.push(run));
  socket.on('task.updated', ({ task }: { task: TaskView }) => got.tasks.push(task));
  socket.on('runs.changed', ({ run }: { run: RunListItem }) => got.list.push(run));
  return got;
}

const lastTask = (tasks: readonly TaskView[], taskId: string) =>
  [...tasks].reverse().find((p) => p.taskId === taskId);

describeIf(available ? 'pushes across instances (Redis)' : `pushes across instances (${SKIPPED})`, () => {
  const cluster = useCluster();
  const { sockets } = cluster;

  it('a subscriber on C receives every push for writes made through A and B, ending with the final state', async () => {
    const instances = await cluster.start(['a', 'b', 'c'], { REDIS_URL: SHARED_REDIS_URL });
    const admin = await connectTo(instances[0], adminToken());
    sockets.push(admin);
    const { leader } = await waitForStatus(admin, (s) => s.leader != null);
    // C is a standby: its own projector pushes nothing, so whatever reaches it came through Redis.
    const c = instances.find((i) => i.id !== leader)!;
    const [a, b] = instances.filter((i) => i !== c);

    const userId = randomUUID();
    const token = signToken(userId, TEST_JWT_SECRET);
    const [viaA, viaB, subscriber] = await Promise.all([
      connectTo(a, token),
      connectTo(b, token),
      connectTo(c, token),
    ]);
    sockets.push(viaA, viaB, subscriber);
    const pushed = collectPushes(subscriber);
    await ok(subscriber, 'runs.list', {}); // the runs list's pushes go to a socket that listed its runs

    const { runId } = await ok<{ runId: string }>(viaA, 'run.start', {
      sourceType: 'chat',
      settings: { model: 'gpt-4o' },
      commandId: randomUUID(),
    });
    await ok(subscriber, 'run.subscribe', { runId });
    const tasks = [newTask(runId), newTask(runId)];
    await ok(viaA, 'task.create', { ...tasks[0], commandId: randomUUID() });
    await ok(viaB, 'task.create', { ...tasks[1], commandId: randomUUID() });
    await Promise.all(
      [viaA, viaB].map(async (socket, t) => {
        for (let seq = 0; seq < CHUNKS; seq++)
          await ok(socket, 'task.chunk', {
            runId,
            taskId: tasks[t].taskId,
            seq,
            text: `${t}.${seq} `,
            offsetMs: seq,
            commandId: randomUUID(),
          });
        await ok(socket, 'task.complete', {
          runId,
          taskId: tasks[t].taskId,
          usage: { inputTokens: 3, outputTokens: CHUNKS },
          commandId: randomUUID(),
        });
      }),
    );

    // run.get on C reflects writes made elsewhere once the projection has them (read-your-writes is per instance).
    await waitForProjection(cluster.db.pool);
    const final = await ok<{ run: RunView; tasks: TaskView[] }>(subscriber, 'run.get', { runId });
    await until(
      () =>
        pushed.runs.at(-1)?.version === final.run.version &&
        tasks.every((t) => lastTask(pushed.tasks, t.taskId)?.status === 'completed') &&
        pushed.list.at(-1)?.version === final.run.version,
      () =>
        `the final state on C: run v${pushed.runs.at(-1)?.version}, list v${pushed.list.at(-1)?.version} of ` +
        `v${final.run.version}; tasks ${tasks.map((t) => lastTask(pushed.tasks, t.taskId)?.status)}`,
    );
    // Every push of the run, in order (versions never go back), the last ones equal to the rows.
    const versions = pushed.runs.map((r) => r.version);
    expect(versions).toEqual([...versions].sort((x, y) => x - y));
    expect(pushed.runs.at(-1)).toEqual(final.run);
    for (const t of final.tasks) expect(lastTask(pushed.tasks, t.taskId)).toEqual(t);
    expect(pushed.list.at(-1)).toMatchObject({ id: runId, version: final.run.version });
    expect(final.tasks.map((t) => t.responseText).sort()).toEqual(
      [0, 1].map((t) => Array.from({ length: CHUNKS }, (_, seq) => `${t}.${seq} `).join('')),
    );
    // Three server processes and their projectors on two cores: 24 s alone, past 60 s beside CI's other worker on a
    // loaded host. Its signals are the pushes themselves; the bound only stops a hang.
  }, 150_000);
});
