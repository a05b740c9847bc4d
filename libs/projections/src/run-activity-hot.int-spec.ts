import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import type { TestDatabase } from '../../../test/support/database';
import { useStoreDatabase } from '../../../test/support/store-database';
import { until } from '../../../test/support/until';
import { PostgresEventStore } from '@ledger/event-store';
import { Projector } from './projector';
import { listRuns } from './queries';
import { rebuild } from './rebuild';
import { append, Clock, runEvents } from '../test/fixtures';

/**
 * Every projector batch sets a streaming run's `updated_at` and `version`. PostgreSQL writes such an UPDATE "HOT"
 * (no index touched, nothing left in them for vacuum) only when no column an index of the table reads has changed;
 * the runs list's activity indexes read `activity_at` (migration …016), which a batch changes only when the run's
 * activity changes: not while a run with a message streams.
 */
describe('a streaming run’s row updates', () => {
  let db: TestDatabase;
  let store: PostgresEventStore;
  useStoreDatabase((d, s) => ([db, store] = [d, s]));
  const userId = randomUUID();
  const clock = new Clock();

  /** The table's update counters: a backend reports them when it ends, so the projector runs on its own pool. */
  const updates = async () =>
    (
      await db.pool.query<{ upd: string; hot: string }>(
        `SELECT n_tup_upd AS upd, n_tup_hot_upd AS hot FROM pg_stat_user_tables WHERE relid = 'ai_runs'::regclass`,
      )
    ).rows[0];

  it('is HOT for every batch of a run with a message (no index entry per batch), and the list keeps its order', async () => {
    const projectorPool = new Pool({ connectionString: db.url, max: 2 });
    const projector = new Projector({ store, pool: projectorPool, batchSize: 50 });
    await projector.start();
    const runs = [randomUUID(), randomUUID()];
    const taskIds = new Map(runs.map((r) => [r, randomUUID()]));
    const put = async (runId: string, ...bodies: Parameters<typeof append>[3]) =>
      projector.waitFor(await append(store, runId, userId, bodies, clock.next()));
    for (const runId of runs) {
      const e = runEvents(runId, userId);
      await put(runId, e.started(clock.now()), e.created(taskIds.get(runId)!, clock.now(), 'a question'));
    }
    const before = await updates();
    const batches = 30;
    for (let seq = 0; seq < batches; seq++)
      for (const runId of runs)
        await put(runId, runEvents(runId, userId).chunk(taskIds.get(runId)!, seq, `t${seq} `));
    await projector.stop();
    await projectorPool.end();

    // The projector's backends report their counters as they end: wait for them.
    const expected = Number(before.upd) + batches * runs.length;
    let after = await updates();
    await until(
      async () => Number((after = await updates()).upd) >= expected,
      () => `the projector's ${expected} updates of ai_runs reported (${after.upd} so far)`,
    );
    const updated = Number(after.upd) - Number(before.upd);
    const hot = Number(after.hot) - Number(before.hot);
    expect(updated).toBeGreaterThanOrEqual(batches * runs.length);
    // Before migration …016 none was HOT; a page without room (not pruned yet) may still take one elsewhere.
    expect(hot).toBeGreaterThanOrEqual(updated * 0.9);

    // The activity is the last message's time: the run asked last comes first, streaming moved neither.
    const listed = await listRuns(db.pool, userId);
    expect(listed.runs.map((r) => r.id)).toEqual([...runs].reverse());
    const { rows } = await db.pool.query<{ same: boolean }>(
      'SELECT bool_and(activity_at = COALESCE(last_message_at, updated_at)) AS same FROM ai_runs',
    );
    expect(rows[0].same).toBe(true);
  });

  it('keeps the column generated and the table’s room for HOT updates through a rebuild', async () => {
    const before = await listRuns(db.pool, userId);
    await rebuild({ store, pool: db.pool });
    const { rows } = await db.pool.query<{ generated: string; options: string[] | null; same: boolean }>(
      `SELECT a.attgenerated AS generated, c.reloptions AS options,
              (SELECT bool_and(activity_at IS NOT NULL AND activity_at = COALESCE(last_message_at, updated_at))
               FROM ai_runs) AS same
       FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
       WHERE a.attrelid = 'ai_runs'::regclass AND a.attname = 'activity_at'`,
    );
    expect(rows[0]).toEqual({ generated: 's', options: ['fillfactor=50'], same: true });
    expect(await listRuns(db.pool, userId)).toEqual(before);
  });
});
