import fc from 'fast-check';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database';
import { PostgresEventStore, type EventStore } from '@ledger/event-store';
import { Projector } from './projector';
import { getRun, listRuns } from './queries';
import { rebuild } from './rebuild';
import { verify } from './verify';
import { Clock } from '../test/fixtures';
import { richPlan, runPlan, USERS, writeRun } from '../test/workload';
import { invariantViolations, tableHashes } from '../test/invariants';

/** The store as one without `readLog` would be: the rebuild reads it by pages of `readAll`. */
function withoutReadLog(store: PostgresEventStore): EventStore {
  return Object.assign(Object.create(store) as EventStore, { readLog: undefined });
}

describe('Read-model invariants under a randomized concurrent workload, and rebuild', () => {
  let db: TestDatabase;
  let store: PostgresEventStore;
  let projector: Projector;
  const violations: string[] = [];
  let commits = 0;
  const runIds: string[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    store = new PostgresEventStore(db.pool, db.url);
    // Checked inside every batch transaction, just before its COMMIT: the invariants hold at every checkpoint.
    projector = new Projector({
      store,
      pool: db.pool,
      batchSize: 7,
      beforeCommit: async (client) => {
        commits += 1;
        violations.push(...(await invariantViolations(client)));
      },
    });
    await projector.start();
  });
  afterAll(async () => {
    await projector.stop();
    await store.close();
    await db.drop();
  });

  it('holds §2 at every commit and matches a stream-by-stream fold', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(runPlan, { minLength: 2, maxLength: 6 }), async (plans) => {
        const ids = await Promise.all(
          [richPlan, ...plans].map((plan, i) =>
            writeRun(store, plan, new Clock(Date.parse('2025-03-01T00:00:00Z') + i * 7_000)),
          ),
        );
        runIds.push(...ids);
        await projector.waitFor((await store.headPosition())!);
        expect(violations).toEqual([]);
        expect(await invariantViolations(db.pool)).toEqual([]);
      }),
      { numRuns: 8 },
    );
    expect(commits).toBeGreaterThan(8);
    const counts = await db.pool.query(
      "SELECT (SELECT count(*) FROM ai_runs)::int AS runs, (SELECT count(*) FROM ai_tasks)::int AS tasks, (SELECT count(*) FROM ai_tasks WHERE response_text <> '')::int AS texts, (SELECT count(*) FROM usage_daily)::int AS usage",
    );
    expect(counts.rows[0]).toEqual({
      runs: expect.any(Number),
      tasks: expect.any(Number),
      texts: expect.any(Number),
      usage: expect.any(Number),
    });
    expect(counts.rows[0].tasks).toBeGreaterThan(5);
    expect(counts.rows[0].usage).toBeGreaterThan(1);
    process.stdout.write(
      `workload: ${JSON.stringify(counts.rows[0])}, ${commits} commits, ${runIds.length} runs written\n`,
    );
    const { mismatches } = await verify({ store, pool: db.pool });
    expect(mismatches).toEqual([]);
  });

  it('rebuilds byte-identical rows while readers keep getting answers', async () => {
    const before = await tableHashes(db.pool);
    let reading = true;
    let answers = 0;
    const readers = (async () => {
      while (reading) {
        const { runs } = await listRuns(db.pool, USERS[0], { limit: 5 });
        if (runs[0]) expect(await getRun(db.pool, USERS[0], runs[0].id)).not.toBeNull();
        answers += 1;
        await new Promise((r) => setImmediate(r));
      }
    })();
    const result = await rebuild({ store, pool: db.pool, pageSize: 50 });
    reading = false;
    await readers;
    expect(answers).toBeGreaterThan(0);
    expect(result.events).toBeGreaterThan(0);
    expect(await tableHashes(db.pool)).toEqual(before);
    expect(await invariantViolations(db.pool)).toEqual([]);
  });

  it.each([
    ['the log read by COPY, in batches as they arrive', (s: PostgresEventStore): EventStore => s],
    // Pages of 7 events over interleaved runs: runs leave memory and come back many times.
    ['the log read by pages of 7 events (a store without readLog)', withoutReadLog],
  ])(
    'rebuilds byte-identical rows with only two runs in memory (runs written, dropped and folded again): %s',
    async (_, as) => {
      const before = await tableHashes(db.pool);
      const result = await rebuild({ store: as(store), pool: db.pool, pageSize: 7, residentRuns: 2 });
      // Folded once: the rows of runs brought back were replaced, not refused as duplicates (which a second fold,
      // keeping every run, would have hidden).
      expect(result.folds).toBe(1);
      expect(await tableHashes(db.pool)).toEqual(before);
      expect(await invariantViolations(db.pool)).toEqual([]);
    },
  );

  it('a rebuild under live writes and a live projector converges to the same rows', async () => {
    const writing = Promise.all(
      fc
        .sample(runPlan, { numRuns: 4, seed: 42 })
        .map((plan, i) => writeRun(store, plan, new Clock(Date.parse('2025-04-01T00:00:00Z') + i))),
    );
    await rebuild({ store, pool: db.pool, pageSize: 20 });
    await writing;
    await projector.waitFor((await store.headPosition())!);
    expect(violations).toEqual([]);
    const live = await tableHashes(db.pool);
    expect((await verify({ store, pool: db.pool })).mismatches).toEqual([]);
    await projector.stop();
    await rebuild({ store, pool: db.pool });
    expect(await tableHashes(db.pool)).toEqual(live);
    await projector.start();
  });

  it('verify reads the log only up to the checkpoint: a run written past it is not expected yet', async () => {
    await writeRun(store, richPlan, new Clock(Date.parse('2025-05-01T00:00:00Z')));
    await projector.waitFor((await store.headPosition())!); // a checkpoint, whichever tests ran before
    await projector.stop();
    await writeRun(store, richPlan, new Clock(Date.parse('2025-05-02T00:00:00Z')));
    // The read of the log is left at the checkpoint (mid-COPY), and the pool is still usable after it.
    expect((await verify({ store, pool: db.pool })).mismatches).toEqual([]);
    await projector.start();
    await projector.waitFor((await store.headPosition())!);
    expect((await verify({ store, pool: db.pool })).mismatches).toEqual([]);
  });
});
