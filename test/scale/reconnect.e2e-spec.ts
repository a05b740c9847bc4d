import { randomUUID } from 'node:crypto';
import type { Socket } from 'socket.io-client';
import type { RunView } from '@ledger/contract';
import { connectLedger, type LedgerClient } from '@run-ledger/client';
import { signToken } from '@ledger/runtime';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { ok, TEST_JWT_SECRET } from '../support/ledger-server';
import { newTask, waitForProjection } from '../reliability/helpers';
import {
  adminToken,
  connectTo,
  startInstances,
  stopInstances,
  waitForStatus,
  type Instance,
} from './cluster';
import { redisAnswers, SHARED_REDIS_URL } from './redis';
import { startSwitchableProxy, type SwitchableProxy } from './switchable-proxy';
import { until } from '../support/until';

const SKIPPED = 'skipped: no Redis at 127.0.0.1:6379';
const available = redisAnswers();
if (!available) console.warn(`SDK reconnect to another instance ${SKIPPED}`);
const describeIf = available ? describe : describe.skip;

describeIf(available ? 'SDK moved to another instance' : `SDK moved to another instance (${SKIPPED})`, () => {
  let db: TestDatabase;
  let instances: Instance[] = [];
  let proxy: SwitchableProxy | undefined;
  let ledger: LedgerClient | undefined;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await ledger?.close();
    for (const s of sockets) s.close();
    await proxy?.close();
    await stopInstances(instances);
    await db?.drop();
  });

  it('re-subscribes through the balancer and, reconciled with run.get, ends on the final state', async () => {
    instances = await startInstances(db.url, ['a', 'b'], { REDIS_URL: SHARED_REDIS_URL });
    const admin = await connectTo(instances[0], adminToken());
    sockets.push(admin);
    await waitForStatus(admin, (s) => s.leader != null);
    const token = signToken(randomUUID(), TEST_JWT_SECRET);
    const writer = await connectTo(instances[0], token);
    sockets.push(writer);
    const { runId } = await ok<{ runId: string }>(writer, 'run.start', {
      sourceType: 'chat',
      settings: { model: 'gpt-4o' },
      commandId: randomUUID(),
    });
    const task = newTask(runId);
    await ok(writer, 'task.create', { ...task, commandId: randomUUID() });
    let seq = 0;
    const write = async (n: number) => {
      for (const end = seq + n; seq < end; seq++)
        await ok(writer, 'task.chunk', {
          runId,
          taskId: task.taskId,
          seq,
          text: `${seq} `,
          offsetMs: seq,
          commandId: randomUUID(),
        });
    };

    // The SDK reaches instance a through the "balancer"; its app keeps the latest run it has seen.
    proxy = await startSwitchableProxy(instances[0].ledger.port);
    ledger = connectLedger({ url: proxy.url, token, socketOptions: { transports: ['websocket'] } });
    let latest: RunView | null = null;
    const keep = (run: RunView) => {
      if (!latest || run.version >= latest.version) latest = run;
    };
    await ledger.subscribe(runId, { onRun: keep });
    await write(10);
    await waitForProjection(db.pool);
    const before = (await ok<{ run: RunView }>(writer, 'run.get', { runId })).run.version;
    await until(
      () => latest?.version === before,
      () => `v${before} before the move, got v${latest?.version}`,
    );

    // The balancer drains a: the SDK reconnects to b and subscribes again; writes go on meanwhile.
    proxy.switchTo(instances[1].ledger.port);
    const writing = write(30);
    await until(
      () => !ledger!.connected,
      () => 'the SDK to notice the cut',
    );
    await until(
      () => ledger!.connected,
      () => 'the SDK to reconnect through the balancer',
    );
    // The app reconciles: the rows, then every push after them.
    keep((await ledger.getRun(runId)).run);
    await writing;
    await ok(writer, 'task.complete', {
      runId,
      taskId: task.taskId,
      usage: { inputTokens: 1, outputTokens: seq },
      commandId: randomUUID(),
    });
    await waitForProjection(db.pool);
    const final = await ok<{ run: RunView }>(writer, 'run.get', { runId });
    await until(
      () => latest?.version === final.run.version,
      () => `the final v${final.run.version} on the moved SDK, got v${latest?.version}`,
    );
    expect(latest).toEqual(final.run);
  });
});
