import { randomUUID } from 'node:crypto';
import type { Socket } from 'socket.io-client';
import type { RunView, TaskView } from '@ledger/contract';
import { signToken } from '@ledger/runtime';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { ok, TEST_JWT_SECRET } from '../support/ledger-server';
import { chunkSeqs, newTask, waitForProjection } from '../reliability/helpers';
import {
  adminToken,
  connectTo,
  startInstances,
  stopInstances,
  waitForStatus,
  type Instance,
} from './cluster';
import { redisServerInstalled, startPrivateRedis, type PrivateRedis } from './redis';
import { until as waitUntil } from '../support/until';

const SKIPPED = 'skipped: no redis-server binary to run a private Redis';
const available = redisServerInstalled();
if (!available) console.warn(`Redis restart under load ${SKIPPED}`);
const describeIf = available ? describe : describe.skip;

const CHUNKS = 150;
/** Redis is killed after this many acked chunks, and started again (empty) after as many more. */
const KILL_AT = 40;

const until = (check: () => boolean, what: () => string) => waitUntil(check, what, 30_000);

describeIf(available ? 'Redis restarted under load' : `Redis restarted under load (${SKIPPED})`, () => {
  let db: TestDatabase;
  let redis: PrivateRedis;
  let instances: Instance[] = [];
  const sockets: Socket[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    redis = await startPrivateRedis();
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await stopInstances(instances);
    await redis?.stop();
    await db?.drop();
  });

  it('writes never fail while Redis is down; pushes resume after it is back, ending with the final state', async () => {
    instances = await startInstances(db.url, ['a', 'b'], { REDIS_URL: redis.url });
    const admin = await connectTo(instances[0], adminToken());
    sockets.push(admin);
    const { leader } = await waitForStatus(admin, (s) => s.leader != null);
    const standby = instances.find((i) => i.id !== leader)!;
    const token = signToken(randomUUID(), TEST_JWT_SECRET);
    const [writer, subscriber] = await Promise.all([
      connectTo(
        instances.find((i) => i.id === leader)!,
        token,
      ),
      connectTo(standby, token),
    ]);
    sockets.push(writer, subscriber);
    const runs: RunView[] = [];
    const tasks: TaskView[] = [];
    subscriber.on('run.updated', ({ run }: { run: RunView }) => runs.push(run));
    subscriber.on('task.updated', ({ task }: { task: TaskView }) => tasks.push(task));

    const { runId } = await ok<{ runId: string }>(writer, 'run.start', {
      sourceType: 'chat',
      settings: { model: 'gpt-4o' },
      commandId: randomUUID(),
    });
    await ok(subscriber, 'run.subscribe', { runId });
    const task = newTask(runId);
    await ok(writer, 'task.create', { ...task, commandId: randomUUID() });
    await until(
      () => tasks.length > 0,
      () => 'a first push through Redis',
    );

    let pushesWhenBack = 0;
    for (let seq = 0; seq < CHUNKS; seq++) {
      // Every write is acked whatever Redis does: `ok` throws on any refusal.
      await ok(writer, 'task.chunk', {
        runId,
        taskId: task.taskId,
        seq,
        text: `${seq} `,
        offsetMs: seq,
        commandId: randomUUID(),
      });
      if (seq === KILL_AT) await redis.kill();
      if (seq === 2 * KILL_AT) {
        await redis.restart();
        pushesWhenBack = runs.length;
      }
    }
    await ok(writer, 'task.complete', {
      runId,
      taskId: task.taskId,
      usage: { inputTokens: 1, outputTokens: CHUNKS },
      commandId: randomUUID(),
    });

    await waitForProjection(db.pool);
    const final = await ok<{ run: RunView; tasks: TaskView[] }>(subscriber, 'run.get', { runId });
    await until(
      () => runs.at(-1)?.version === final.run.version && tasks.at(-1)?.status === 'completed',
      () => `the final state on the standby: run v${runs.at(-1)?.version} of v${final.run.version}`,
    );
    expect(runs.length).toBeGreaterThan(pushesWhenBack);
    expect(runs.at(-1)).toEqual(final.run);
    expect(tasks.at(-1)).toEqual(final.tasks[0]);
    const versions = runs.map((r) => r.version);
    expect(versions).toEqual([...versions].sort((x, y) => x - y));
    expect(await chunkSeqs(db.pool, task.taskId)).toEqual(Array.from({ length: CHUNKS }, (_, i) => i));
  });
});
