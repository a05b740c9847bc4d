import { randomUUID } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database';
import { PostgresEventStore } from '@ledger/event-store';
import { Projector } from './projector';
import { getRun, usageSummary } from './queries';
import { rebuild } from './rebuild';
import { verify } from './verify';
import { tableHashes } from '../test/invariants';
import { append, Clock, runEvents, type Body } from '../test/fixtures';

const DAY_MS = 86_400_000;

/** Finding 1 (issue 12): values the command side writes that the old column types could not hold. */
describe('read-model column types hold every value the events carry', () => {
  let db: TestDatabase;
  let store: PostgresEventStore;
  let projector: Projector;
  beforeEach(async () => {
    db = await createTestDatabase();
    store = new PostgresEventStore(db.pool, db.url);
    projector = new Projector({ store, pool: db.pool });
    await projector.start();
  });
  afterEach(async () => {
    await projector.stop();
    await store.close();
    await db.drop();
  });

  async function expectRunningAndRebuildable(): Promise<void> {
    const [status] = await projector.status();
    expect(status).toMatchObject({ state: 'running', lag: 0 });
    expect((await verify({ store, pool: db.pool })).mismatches).toEqual([]);
    const before = await tableHashes(db.pool);
    await rebuild({ store, pool: db.pool });
    expect(await tableHashes(db.pool)).toEqual(before);
  }

  it('a task left open for 25 days (its total time past a 32-bit integer)', async () => {
    const userId = randomUUID();
    const runId = randomUUID();
    const taskId = randomUUID();
    const e = runEvents(runId, userId);
    const clock = new Clock();
    const totalTimeMs = 25 * DAY_MS;
    const failed = e.failed(taskId, clock.next(totalTimeMs));
    const head = await append(
      store,
      runId,
      userId,
      [
        e.started(clock.now()),
        e.created(taskId, clock.now(), 'hi'),
        { type: 'TaskFailed', data: { ...failed.data, totalTimeMs } } as Body,
      ],
      clock.now(),
    );
    await projector.waitFor(head);
    const view = await getRun(db.pool, userId, runId);
    expect(view!.tasks[0]).toMatchObject({ status: 'failed', totalTime: totalTimeMs });
    await expectRunningAndRebuildable();
  });

  it('token sums past bigint (a run and a usage day of 1100 tasks of 2^53 - 1 tokens)', async () => {
    const userId = randomUUID();
    const runId = randomUUID();
    const e = runEvents(runId, userId);
    const clock = new Clock();
    const tasks = 1100;
    const input = 2 ** 52;
    const output = 2 ** 52 - 1;
    const bodies: Body[] = [e.started(clock.now())];
    for (let i = 0; i < tasks; i++) {
      const taskId = randomUUID();
      bodies.push(e.created(taskId, clock.now()), e.completed(taskId, clock.now(), { input, output }));
    }
    const head = await append(store, runId, userId, bodies, clock.now());
    await projector.waitFor(head);
    const { run } = (await getRun(db.pool, userId, runId))!;
    // Past 2^53 a JSON number is rounded (docs/protocol.md §3): the run total is the fold's, to 15 digits.
    expect(Math.abs(run.totalTokens / (tasks * (input + output)) - 1)).toBeLessThan(1e-12);
    expect(run.totalTokens).toBeGreaterThan(2 ** 63);
    const { rows } = await db.pool.query<{ exact: string }>(
      'SELECT SUM(input_tokens)::text AS exact FROM usage_daily WHERE user_id = $1',
      [userId],
    );
    expect(BigInt(rows[0].exact)).toBe(BigInt(tasks) * BigInt(input));
    const usage = await usageSummary(db.pool, userId, { groupBy: 'model' });
    expect(usage.rows[0]).toMatchObject({ tasks, inputTokens: tasks * input });
    await expectRunningAndRebuildable();
  });
});
