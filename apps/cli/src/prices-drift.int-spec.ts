import { randomUUID } from 'node:crypto';
import { PostgresEventStore } from '@ledger/event-store';
import { Projector, rebuild, verify } from '@ledger/projections';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database';
import { append, Clock, runEvents, type Body } from '../../../libs/projections/test/fixtures';
import { findDrift } from './prices-drift';

/** reportedCost goes from the event to ai_tasks (beside cost), survives a rebuild, and drift lists the mismatches. */
describe('reported cost and drift', () => {
  let db: TestDatabase;
  let store: PostgresEventStore;
  let projector: Projector;
  const userId = randomUUID();
  const runId = randomUUID();
  const e = runEvents(runId, userId);
  const clock = new Clock();
  const [same, close, far, unpriced, none] = [
    randomUUID(),
    randomUUID(),
    randomUUID(),
    randomUUID(),
    randomUUID(),
  ];

  const withReported = (body: Body, amount: string, currency = 'USD'): Body =>
    ({
      ...body,
      data: { ...body.data, reportedCost: { amount, currency, source: 'openrouter' } },
    }) as Body;

  beforeAll(async () => {
    db = await createTestDatabase();
    store = new PostgresEventStore(db.pool, db.url);
    projector = new Projector({ store, pool: db.pool, batchSize: 50 });
    await projector.start();
    const put = async (...bodies: Body[]) =>
      projector.waitFor(await append(store, runId, userId, bodies, clock.next()));
    await put(e.started(clock.now()));
    for (const t of [same, close, far, unpriced, none]) await put(e.created(t, clock.now(), 'hi'));
    await put(withReported(e.completed(same, clock.now(), {}, '0.0125'), '0.0125'));
    await put(withReported(e.completed(close, clock.now(), {}, '0.01'), '0.01005')); // 0.5 %: within 1 %
    await put(withReported(e.completed(far, clock.now(), {}, '0.01'), '0.02'));
    await put(withReported(e.completed(unpriced, clock.now(), {}, null), '0.003'));
    await put(e.completed(none, clock.now(), {}, '0.01')); // an event written before reportedCost existed
  });
  afterAll(async () => {
    await projector.stop();
    await store.close();
    await db.drop();
  });

  it('keeps the reported cost beside the ledger cost in ai_tasks', async () => {
    const { rows } = await db.pool.query(
      `SELECT task_id, cost::text, reported_cost::text, reported_cost_currency, reported_cost_source
         FROM ai_tasks WHERE task_id = ANY($1) ORDER BY created_at`,
      [[far, none]],
    );
    expect(rows).toEqual([
      {
        task_id: far,
        cost: '0.01',
        reported_cost: '0.02',
        reported_cost_currency: 'USD',
        reported_cost_source: 'openrouter',
      },
      {
        task_id: none,
        cost: '0.01',
        reported_cost: null,
        reported_cost_currency: null,
        reported_cost_source: null,
      },
    ]);
  });

  it('lists the tasks that differ by more than the tolerance, and those without a price', async () => {
    const drift = await findDrift(db.pool, { tolerance: '0.01' });
    expect(drift.map((d) => [d.taskId, d.cost, d.reportedCost, d.difference])).toEqual([
      [far, '0.01', '0.02', '0.01'],
      [unpriced, null, '0.003', null],
    ]);
    const loose = await findDrift(db.pool, { tolerance: '1' });
    expect(loose.map((d) => d.taskId)).toEqual([unpriced]);
    const strict = await findDrift(db.pool, { tolerance: '0' });
    expect(strict.map((d) => d.taskId).sort()).toEqual([close, far, unpriced].sort());
  });

  it('gives the same rows after a rebuild from the log', async () => {
    await projector.stop();
    await rebuild({ store, pool: db.pool, pageSize: 2 });
    const result = await verify({ store, pool: db.pool });
    expect(result.mismatches).toEqual([]);
    const drift = await findDrift(db.pool, { tolerance: '0.01' });
    expect(drift.map((d) => d.taskId)).toEqual([far, unpriced]);
  });
});
