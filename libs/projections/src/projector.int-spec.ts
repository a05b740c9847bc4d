import { randomUUID } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database';
import { PostgresEventStore } from '@ledger/event-store';
import { Projector } from './projector';
import { getRun, listRuns, usageSummary } from './queries';
import { runAt } from './run-at';
import { rebuild } from './rebuild';
import { verify } from './verify';
import { append, Clock, runEvents } from '../test/fixtures';

describe('Projector: a conversation end to end', () => {
  let db: TestDatabase;
  let store: PostgresEventStore;
  let projector: Projector;
  const userId = randomUUID();
  const runId = randomUUID();
  const e = runEvents(runId, userId);
  const clock = new Clock();
  const tasks = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];

  beforeAll(async () => {
    db = await createTestDatabase();
    store = new PostgresEventStore(db.pool, db.url);
    projector = new Projector({ store, pool: db.pool, batchSize: 50 });
    await projector.start();
  });
  afterAll(async () => {
    await projector.stop();
    await store.close();
    await db.drop();
  });

  const put = async (...bodies: Parameters<typeof append>[3]) =>
    projector.waitFor(await append(store, runId, userId, bodies, clock.next()));

  it('projects a 4-task conversation: live text, messages, totals, statuses, TTFT', async () => {
    await put(e.started(clock.now()));
    const replies = ['Paris is the capital.', 'It is about 2.1 million.', '', 'Bonjour !'];
    let snapshotAtVersion: { version: number; view: unknown } | null = null;
    for (let i = 0; i < 4; i++) {
      await put(e.created(tasks[i], clock.now(), `Question ${i}`, i === 3 ? 'mystery-model' : 'gpt-4o'));
      if (i === 2) {
        await put(e.failed(tasks[i], clock.now()));
        continue;
      }
      const words = replies[i].split(/(?= )/);
      for (let s = 0; s < words.length; s++) {
        await put(e.chunk(tasks[i], s, words[s], 150 + s * 10));
        // The row is current after each batch: the text so far.
        const live = await getRun(db.pool, userId, runId);
        const task = live!.tasks.find((t) => t.taskId === tasks[i])!;
        expect(task.responseText).toBe(words.slice(0, s + 1).join(''));
        expect(task.status).toBe('streaming');
      }
      await put(
        e.completed(
          tasks[i],
          clock.now(),
          { input: 10 * (i + 1), output: 5 },
          i === 3 ? null : '0.0001',
          150,
        ),
      );
      if (i === 1) {
        const held = (await getRun(db.pool, userId, runId))!;
        snapshotAtVersion = { version: held.run.version, view: held };
      }
    }
    const { run, tasks: rows } = (await getRun(db.pool, userId, runId))!;
    expect(run.messages.map((m) => `${m.role}:${m.content}`)).toEqual([
      'user:Question 0',
      `assistant:${replies[0]}`,
      'user:Question 1',
      `assistant:${replies[1]}`,
      'user:Question 2',
      'user:Question 3',
      `assistant:${replies[3]}`,
    ]);
    expect(run).toMatchObject({
      taskCount: 4,
      messageCount: 7,
      totalTokens: 15 + 25 + 45,
      totalCost: '0.0002',
      unpricedTaskCount: 2,
    });
    expect(run.lastMessageAt).toBe(run.messages[6].timestamp);
    expect(rows.map((t) => t.status)).toEqual(['completed', 'completed', 'failed', 'completed']);
    expect(rows.map((t) => t.responseText)).toEqual(replies);
    expect(rows[0]).toMatchObject({
      timeToFirstToken: 150,
      totalTime: 900,
      cost: '0.0001',
      usageSource: 'provider',
      chunkCount: 4,
    });
    expect(rows[3].cost).toBeNull();

    // runAt at the last version equals getRun; at an earlier version, what the projector held then.
    const latest = await runAt(store, userId, runId);
    expect(latest).toEqual({ run, tasks: rows, version: run.version });
    const then = await runAt(store, userId, runId, { version: snapshotAtVersion!.version });
    expect({ run: then!.run, tasks: then!.tasks }).toEqual(snapshotAtVersion!.view);
    const byTime = await runAt(store, userId, runId, {
      at: (snapshotAtVersion!.view as { run: { updatedAt: string } }).run.updatedAt,
    });
    expect(byTime!.version).toBe(snapshotAtVersion!.version);

    // Another user sees nothing.
    expect(await getRun(db.pool, randomUUID(), runId)).toBeNull();
    expect(await runAt(store, randomUUID(), runId)).toBeNull();
  });

  it('lists runs by activity with a cursor, filters, and sums usage from usage_daily', async () => {
    const others = [randomUUID(), randomUUID(), randomUUID()];
    for (const id of others) {
      const o = runEvents(id, userId);
      await projector.waitFor(await append(store, id, userId, [o.started(clock.next())], clock.now()));
    }
    const o0 = runEvents(others[0], userId);
    await projector.waitFor(
      await append(store, others[0], userId, [o0.starred(), o0.archived()], clock.next()),
    );

    const page1 = await listRuns(db.pool, userId, { limit: 2 });
    expect(page1.runs.map((r) => r.id)).toEqual([others[2], others[1]]);
    const page2 = await listRuns(db.pool, userId, { limit: 2, cursor: page1.nextCursor });
    expect(page2.runs.map((r) => r.id)).toEqual([runId]);
    expect(page2.nextCursor).toBeNull();
    expect(
      (await listRuns(db.pool, userId, { archived: true, starred: true })).runs.map((r) => r.id),
    ).toEqual([others[0]]);
    expect((await listRuns(db.pool, userId, { sourceType: 'applet' })).runs).toEqual([]);

    const byModel = await usageSummary(db.pool, userId, { groupBy: 'model' });
    expect(byModel.rows).toEqual([
      {
        model: 'gpt-4o',
        tasks: 3,
        inputTokens: 30,
        outputTokens: 10,
        cachedInputTokens: 0,
        reasoningTokens: 0,
        cost: '0.0002',
        unpricedTasks: 1,
      },
      {
        model: 'mystery-model',
        tasks: 1,
        inputTokens: 40,
        outputTokens: 5,
        cachedInputTokens: 0,
        reasoningTokens: 0,
        cost: '0',
        unpricedTasks: 1,
      },
    ]);
    const byDay = await usageSummary(db.pool, userId, {
      groupBy: 'day',
      from: '2025-03-01',
      to: '2025-03-01',
    });
    expect(byDay.rows).toEqual([expect.objectContaining({ day: '2025-03-01', tasks: 4, cost: '0.0002' })]);
    expect((await usageSummary(db.pool, userId, { groupBy: 'day', from: '2025-03-02' })).rows).toEqual([]);
  });

  it('RunDeleted removes the rows and the usage; a rebuild does not bring them back', async () => {
    // The store erases the stream, leaving only the tombstone.
    await store.eraseStream(`run-${runId}`, {
      id: randomUUID(),
      type: 'RunDeleted',
      data: { runId },
      metadata: { userId, commandId: randomUUID(), recordedAt: clock.next(), schemaVersion: 1 },
    });
    await projector.waitFor((await store.headPosition())!);
    expect(await getRun(db.pool, userId, runId)).toBeNull();
    const tasksLeft = await db.pool.query('SELECT count(*)::int AS n FROM ai_tasks WHERE run_id = $1', [
      runId,
    ]);
    expect(tasksLeft.rows[0].n).toBe(0);
    expect((await usageSummary(db.pool, userId, { groupBy: 'model' })).rows).toEqual([]);

    await rebuild({ store, pool: db.pool });
    expect(await getRun(db.pool, userId, runId)).toBeNull();
    expect(await runAt(store, userId, runId)).toBeNull();
    const { mismatches, runs } = await verify({ store, pool: db.pool });
    expect(mismatches).toEqual([]);
    expect(runs).toBe(3);
  });
  it('a text streamed over many batches is stored exactly as folded (quotes, backslashes, accents, emoji)', async () => {
    const other = randomUUID();
    const o = runEvents(other, userId);
    const task = randomUUID();
    const putOther = async (...bodies: Parameters<typeof append>[3]) =>
      projector.waitFor(await append(store, other, userId, bodies, clock.next()));
    await putOther(o.started(clock.now()), o.created(task, clock.now(), 'q'));
    const parts = ["It's", ' a \\ back', 'slash, é', ' 🎉', "'; --", '\u00e9 "quoted"', ' end'];
    for (let s = 0; s < parts.length; s++) {
      await putOther(o.chunk(task, s, parts[s]));
      const live = await getRun(db.pool, userId, other);
      expect(live!.tasks[0].responseText).toBe(parts.slice(0, s + 1).join(''));
    }
    const { mismatches } = await verify({ store, pool: db.pool });
    expect(mismatches).toEqual([]);
  });
});
