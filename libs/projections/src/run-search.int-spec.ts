import { randomUUID } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database';
import { PostgresEventStore } from '@ledger/event-store';
import { Projector } from './projector';
import { listRuns } from './queries';
import { asUser } from './user-scope';
import { rebuild } from './rebuild';
import { append, Clock, runEvents } from '../test/fixtures';

/** The search documents of `runs.list` (`ai_run_search`) follow `ai_runs` through the projector and rebuilds. */
describe('run search documents', () => {
  let db: TestDatabase;
  let store: PostgresEventStore;
  let projector: Projector;
  const userId = randomUUID();
  const clock = new Clock();

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

  const put = async (runId: string, ...bodies: Parameters<typeof append>[3]) =>
    projector.waitFor(await append(store, runId, userId, bodies, clock.next()));

  /** The run's document and the transaction that last wrote it. */
  async function doc(runId: string): Promise<{ document: string; xmin: string } | undefined> {
    const { rows } = await db.pool.query<{ document: string; xmin: string }>(
      'SELECT document, xmin::text AS xmin FROM ai_run_search WHERE id = $1',
      [runId],
    );
    return rows[0];
  }
  const found = async (q: string) => (await listRuns(db.pool, userId, { q })).runs.map((r) => r.id);

  it('writes a document when the name or the messages change, not on every chunk', async () => {
    const runId = randomUUID();
    const e = runEvents(runId, userId);
    const taskId = randomUUID();
    await put(runId, e.started(clock.now(), { name: 'Zebra facts' }));
    expect((await doc(runId))?.document).toBe('Zebra facts\n');
    await put(runId, e.created(taskId, clock.now(), 'Why do zebras have stripes?'));
    const afterQuestion = (await doc(runId))!;
    expect(afterQuestion.document).toBe('Zebra facts\nWhy do zebras have stripes?');
    for (let seq = 0; seq < 3; seq++) await put(runId, e.chunk(taskId, seq, `part${seq} `));
    // Three batches moved the run's row, none rewrote its document.
    expect(await doc(runId)).toEqual(afterQuestion);
    await put(runId, e.completed(taskId, clock.now(), { input: 5, output: 3 }, '0.0001', 100));
    expect((await doc(runId))?.document).toBe('Zebra facts\nWhy do zebras have stripes?\npart0 part1 part2 ');
    await put(runId, e.renamed('Stripes'));
    expect((await doc(runId))?.document).toMatch(/^Stripes\n/);
    expect(await found('part1 PART2')).toEqual([runId]);
    expect(await found('stripes?')).toEqual([runId]);
    await put(runId, e.deleted());
    expect(await doc(runId)).toBeUndefined();
    expect(await found('stripes?')).toEqual([]);
  });

  it('is closed to ledger_reader: documents only through the search function, for the user set', async () => {
    const mine = randomUUID();
    const theirs = randomUUID();
    const otherUser = randomUUID();
    await put(mine, runEvents(mine, userId).started(clock.now(), { name: 'Tapir mine' }));
    await projector.waitFor(
      await append(
        store,
        theirs,
        otherUser,
        [runEvents(theirs, otherUser).started(clock.now(), { name: 'Tapir theirs' })],
        clock.next(),
      ),
    );
    const asReader = async <T>(user: string, sql: string): Promise<T[]> =>
      asUser(db.pool, user, async (c) => (await c.query(sql)).rows as T[]);
    await expect(asReader(userId, 'SELECT id FROM ai_run_search')).rejects.toThrow(/permission denied/);
    const ids = (user: string) =>
      asReader<{ id: string }>(user, "SELECT ledger_search_run_ids('%tapir%') AS id").then((r) =>
        r.map((x) => x.id),
      );
    expect(await ids(userId)).toEqual([mine]);
    expect(await ids(otherUser)).toEqual([theirs]);
  });

  it('a rebuild brings lost or stale documents back in line, and keeps them current afterwards', async () => {
    const runs = [randomUUID(), randomUUID(), randomUUID()];
    for (const [i, runId] of runs.entries()) {
      const e = runEvents(runId, userId);
      await put(runId, e.started(clock.now(), { name: `Okapi ${i}` }));
      await put(runId, e.created(randomUUID(), clock.now(), `okapi question ${i}`));
    }
    await db.pool.query('DELETE FROM ai_run_search WHERE id = $1', [runs[0]]);
    await db.pool.query("UPDATE ai_run_search SET document = 'stale', message_count = 0 WHERE id = $1", [
      runs[1],
    ]);
    await db.pool.query('INSERT INTO ai_run_search VALUES ($1, $2, $3, 0, $3)', [
      randomUUID(),
      userId,
      'okapi ghost',
    ]);
    expect(await found('okapi')).toEqual([runs[2]]);

    await rebuild({ store, pool: db.pool });
    const { rows } = await db.pool.query<{ missing: number; wrong: number; extra: number }>(
      `SELECT (SELECT count(*) FROM ai_runs r WHERE NOT EXISTS (SELECT 1 FROM ai_run_search s WHERE s.id = r.id)) AS missing,
              (SELECT count(*) FROM ai_runs r JOIN ai_run_search s USING (id)
                WHERE s.document <> ledger_run_search_text(r.name, r.messages)) AS wrong,
              (SELECT count(*) FROM ai_run_search s WHERE NOT EXISTS (SELECT 1 FROM ai_runs r WHERE r.id = s.id)) AS extra`,
    );
    expect(rows[0]).toEqual({ missing: 0, wrong: 0, extra: 0 });
    expect((await found('okapi')).sort()).toEqual([...runs].sort());

    // The triggers are on the new ai_runs.
    await put(runs[0], runEvents(runs[0], userId).renamed('Giraffe'));
    expect(await found('giraffe')).toEqual([runs[0]]);
    // The rebuilt documents' table is as closed as the one it replaced.
    await expect(
      asUser(db.pool, userId, async (c) => (await c.query('SELECT id FROM ai_run_search')).rows),
    ).rejects.toThrow(/permission denied/);
  });
});
