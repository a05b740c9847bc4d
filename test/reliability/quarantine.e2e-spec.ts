import { randomUUID } from 'node:crypto';
import type { Socket } from 'socket.io-client';
import type { AckData } from '@ledger/contract';
import { toRunStreamId } from '@ledger/domain';
import { PostgresEventStore } from '@ledger/event-store';
import { verify } from '@ledger/projections';
import { ProjectionHost } from '../../apps/ledger/src/read/projection-host';
import { connectClient, ok, send, startTestLedger, type TestLedger } from '../support/ledger-server';
import { runCli } from '../support/run-cli';
import { newTask, settings } from './helpers';

type Status = AckData['projections.status']['projections'][number];

/**
 * Finding 1 (issue 12) over a real socket: an acked command whose rows PostgreSQL refuses quarantines its run
 * only; every other user keeps reading fresh rows; an operator sees it (`projections.status`, the CLI) and
 * retries it after the fix; a rebuild survives a poison event.
 */
describe('a poison event quarantines one run, never the projection', () => {
  let t: TestLedger;
  let victim: Socket;
  let bystander: Socket;
  let admin: Socket;
  const savedEnv = { ...process.env };

  beforeAll(async () => {
    t = await startTestLedger();
    victim = await connectClient(t.url, t.token());
    bystander = await connectClient(t.url, t.token());
    admin = await connectClient(t.url, t.token(randomUUID(), { admin: true }));
    process.env.DATABASE_URL = t.db.url;
    process.env.LEDGER_LOG_LEVEL = 'silent';
  });
  afterAll(async () => {
    process.env = savedEnv;
    for (const s of [victim, bystander, admin]) s?.close();
    await t?.close();
  });

  const projected = async () => {
    const head = await t.ledger.runtime.store.headPosition();
    if (head) await t.ledger.app.get(ProjectionHost).projector.waitFor(head);
  };
  const status = async (): Promise<Status> =>
    (await ok<AckData['projections.status']>(admin, 'projections.status', {})).projections[0];

  async function runWithTask(socket: Socket): Promise<{ runId: string; taskId: string }> {
    const { runId } = await ok<{ runId: string }>(socket, 'run.start', { sourceType: 'chat', settings });
    const task = newTask(runId);
    await ok(socket, 'task.create', task);
    return { runId, taskId: task.taskId };
  }

  it('quarantines the run, keeps every other run fresh, and projects it again after the fix', async () => {
    // A column that refuses what the contract accepts: the shape of the original bug (integer vs 1.5).
    await t.pool.query(
      'ALTER TABLE ai_task_rows ADD CONSTRAINT poison_check CHECK (time_to_first_token IS NULL OR time_to_first_token < 1000)',
    );
    const v = await runWithTask(victim);
    await ok(victim, 'task.chunk', {
      runId: v.runId,
      taskId: v.taskId,
      seq: 0,
      text: 'slow',
      offsetMs: 5000,
    });
    await ok(victim, 'task.chunk', {
      runId: v.runId,
      taskId: v.taskId,
      seq: 1,
      text: ' start',
      offsetMs: 5100,
    });

    // Every other user's writes project, and read their writes at once.
    const b = await runWithTask(bystander);
    await ok(bystander, 'task.chunk', {
      runId: b.runId,
      taskId: b.taskId,
      seq: 0,
      text: 'fast',
      offsetMs: 10,
    });
    const fresh = await ok<AckData['run.get']>(bystander, 'run.get', { runId: b.runId });
    expect(fresh.tasks[0]).toMatchObject({ responseText: 'fast', timeToFirstToken: 10 });
    await projected();

    const degraded = await status();
    expect(degraded).toMatchObject({ state: 'degraded', lag: 0, quarantined: [{ runId: v.runId }] });
    expect(degraded.quarantined[0].error).toMatch(/ChunksReceived@3: 23514: .*poison_check/);
    expect(await send(victim, 'projections.status', {})).toMatchObject({
      ok: false,
      error: { code: 'FORBIDDEN' },
    });
    expect(await send(victim, 'projections.retry', { runId: v.runId })).toMatchObject({
      ok: false,
      error: { code: 'FORBIDDEN' },
    });
    // Its owner reads the rows as they were right before the refused event.
    const stale = await ok<AckData['run.get']>(victim, 'run.get', { runId: v.runId });
    expect(stale.tasks[0]).toMatchObject({ status: 'pending', chunkCount: 0, responseText: '' });
    const cliStatus = await runCli('projections', 'status');
    expect(cliStatus.code).toBe(0);
    expect(cliStatus.stdout).toMatch(/runs .* degraded/);
    expect(cliStatus.stdout).toContain(v.runId);
    const store = new PostgresEventStore(t.pool);
    expect(await verify({ store, pool: t.pool })).toMatchObject({ mismatches: [], quarantined: 1 });

    // Retried before the fix: quarantined again, at the same event.
    const again = await ok<AckData['projections.retry']>(admin, 'projections.retry', { runId: v.runId });
    expect(again).toMatchObject({ state: 'quarantined', quarantined: degraded.quarantined[0] });
    expect((await runCli('projections', 'retry', v.runId)).code).toBe(1);

    // The fix, then the operator's retry (the CLI, another process's view of the same database).
    await t.pool.query('ALTER TABLE ai_task_rows DROP CONSTRAINT poison_check');
    const retried = await runCli('projections', 'retry', v.runId);
    expect(retried).toMatchObject({ code: 0, stdout: expect.stringContaining('projects again') });
    await ok(victim, 'task.chunk', { runId: v.runId, taskId: v.taskId, seq: 2, text: '!', offsetMs: 5200 });
    const healed = await ok<AckData['run.get']>(victim, 'run.get', { runId: v.runId });
    expect(healed.tasks[0]).toMatchObject({
      responseText: 'slow start!',
      timeToFirstToken: 5000,
      chunkCount: 3,
    });
    await projected();
    expect(await status()).toMatchObject({ state: 'running', quarantined: [] });
    expect(await verify({ store, pool: t.pool })).toMatchObject({ mismatches: [], quarantined: 0 });

    expect(await send(admin, 'projections.skip', { runId: v.runId })).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND' },
    });
    expect((await runCli('projections', 'skip', v.runId)).code).toBe(1);
  });

  it('projections.rebuild survives a poison event: it quarantines the run and the rest is rebuilt', async () => {
    const b = await runWithTask(bystander);
    const p = await runWithTask(victim);
    // An event the fold refuses (a chunk of a task that does not exist), as an older version could have written.
    const store = new PostgresEventStore(t.pool);
    const poisonId = randomUUID();
    await store.appendToStream(
      toRunStreamId(p.runId),
      [
        {
          id: poisonId,
          type: 'ChunkReceived',
          data: { runId: p.runId, taskId: randomUUID(), seq: 0, kind: 'text', text: 'x', offsetMs: 1 },
          metadata: {
            userId: randomUUID(),
            commandId: randomUUID(),
            recordedAt: new Date().toISOString(),
            schemaVersion: 1,
          },
        },
      ],
      'any',
    );
    await projected();
    expect((await status()).quarantined.map((q) => q.runId)).toEqual([p.runId]);

    const rebuilt = await ok<AckData['projections.rebuild']>(admin, 'projections.rebuild', {});
    expect(rebuilt.quarantined).toBe(1);
    // The ack's documented fields, no more (the rebuild's own result has others).
    expect(Object.keys(rebuilt).sort()).toEqual(['events', 'ms', 'name', 'quarantined']);
    await ok(bystander, 'task.chunk', {
      runId: b.runId,
      taskId: b.taskId,
      seq: 0,
      text: 'after',
      offsetMs: 1,
    });
    expect(
      (await ok<AckData['run.get']>(bystander, 'run.get', { runId: b.runId })).tasks[0].responseText,
    ).toBe('after');
    await projected();
    expect(await status()).toMatchObject({ state: 'degraded', quarantined: [{ runId: p.runId }] });
    expect(await verify({ store, pool: t.pool })).toMatchObject({ mismatches: [], quarantined: 1 });

    const skipped = await ok<AckData['projections.skip']>(admin, 'projections.skip', { runId: p.runId });
    expect(skipped).toEqual({ runId: p.runId, state: 'running', skippedEventId: poisonId });
    expect(await status()).toMatchObject({ state: 'running', quarantined: [] });
  });
});
