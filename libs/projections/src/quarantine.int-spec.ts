import { randomUUID } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database';
import { PostgresEventStore, positionToString, type GlobalPosition } from '@ledger/event-store';
import { Projector } from './projector';
import { readCheckpoints } from './projector.sql';
import { readQuarantine } from './quarantine.sql';
import { retryQuarantined, skipQuarantined, NotQuarantined } from './quarantine';
import { getRun } from './queries';
import { rebuild } from './rebuild';
import { verify } from './verify';
import { invariantViolations, tableHashes } from '../test/invariants';
import { append, Clock, runEvents, type Body } from '../test/fixtures';

/** Finding 1 (issue 12): an event the projection cannot apply stops its run, never the projection. */
describe('quarantine of a run the projection cannot apply', () => {
  let db: TestDatabase;
  let store: PostgresEventStore;
  let projector: Projector;
  const clock = new Clock();
  const errors: string[] = [];
  const newProjector = () =>
    new Projector({
      store,
      pool: db.pool,
      logger: { log: () => undefined, error: (m) => errors.push(m) },
    });

  beforeEach(async () => {
    db = await createTestDatabase();
    store = new PostgresEventStore(db.pool, db.url);
    projector = newProjector();
  });
  afterEach(async () => {
    await projector.stop();
    await store.close();
    await db.drop();
  });

  const put = (runId: string, userId: string, bodies: Body[]) =>
    append(store, runId, userId, bodies, clock.next());
  const quarantined = async (runId: string) =>
    (await db.pool.query<{ q: boolean }>('SELECT quarantined AS q FROM ai_runs WHERE id = $1', [runId]))
      .rows[0]?.q;

  /** The projection is at `head`; the rows are the fold of the log; a rebuild gives the same rows and quarantine. */
  async function expectConsistent(head: GlobalPosition, quarantinedRuns: number): Promise<void> {
    await projector.waitFor(head);
    const result = await verify({ store, pool: db.pool });
    expect(result.mismatches).toEqual([]);
    expect(result.quarantined).toBe(quarantinedRuns);
    expect(await invariantViolations(db.pool)).toEqual([]);
    const hashes = await tableHashes(db.pool);
    const before = await readQuarantine(db.pool, 'runs');
    await projector.stop();
    expect((await rebuild({ store, pool: db.pool })).quarantined).toBe(quarantinedRuns);
    expect(await tableHashes(db.pool)).toEqual(hashes);
    expect(await readQuarantine(db.pool, 'runs')).toEqual(before);
    // And with one run in memory (runs written and dropped; a refused value then restarts with every view kept).
    const small = await rebuild({ store, pool: db.pool, pageSize: 3, residentRuns: 1 });
    expect(small.quarantined).toBe(quarantinedRuns);
    expect(await tableHashes(db.pool)).toEqual(hashes);
    expect(await readQuarantine(db.pool, 'runs')).toEqual(before);
    await projector.start();
  }

  it('a run the fold refuses is set aside; the others go on; restart, rebuild, retry and skip', async () => {
    const [userA, userB] = [randomUUID(), randomUUID()];
    const [runA, runB] = [randomUUID(), randomUUID()];
    const a = runEvents(runA, userA);
    const b = runEvents(runB, userB);
    const taskB = randomUUID();
    await put(runA, userA, [a.started(clock.now())]);
    // A chunk of a task that was never created: the fold refuses it.
    const poison = await put(runA, userA, [a.chunk(randomUUID(), 0, 'orphan')]);
    await put(runA, userA, [a.renamed('after the poison')]);
    await put(runB, userB, [
      b.started(clock.now()),
      b.created(taskB, clock.now(), 'hi'),
      b.chunk(taskB, 0, 'he'),
    ]);
    await projector.start();
    const head = await put(runB, userB, [b.chunk(taskB, 1, 'llo')]);
    await projector.waitFor(head);

    // Everyone else's run projects; the checkpoint is at the head, never stuck at the poison event.
    expect((await getRun(db.pool, userB, runB))!.tasks[0].responseText).toBe('hello');
    expect((await readCheckpoints(db.pool))[0]).toMatchObject({ state: 'running', position: head });
    const [entry] = await readQuarantine(db.pool, 'runs');
    expect(entry).toMatchObject({ runId: runA, eventType: 'ChunkReceived', revision: 1, position: poison });
    expect(entry.error).toMatch(/unknown task/);
    // A's rows are as they were right before the poison event, and marked.
    expect((await getRun(db.pool, userA, runA))!.run).toMatchObject({ name: 'A chat', version: 0 });
    expect(await quarantined(runA)).toBe(true);
    expect(await quarantined(runB)).toBe(false);
    const [status] = await projector.status();
    expect(status).toMatchObject({
      state: 'degraded',
      lag: 0,
      quarantined: [{ runId: runA, position: positionToString(poison) }],
    });
    expect(status.quarantined[0].error).toMatch(/ChunkReceived@1: .*unknown task/);
    expect(errors.join('\n')).toContain(`run ${runA} quarantined`);
    await expectConsistent(head, 1);

    // A restart reads the quarantine back: A's later events are passed over, B's projected.
    await projector.stop();
    projector = newProjector();
    await projector.start();
    await put(runA, userA, [a.starred()]);
    const head2 = await put(runB, userB, [b.completed(taskB, clock.now())]);
    await projector.waitFor(head2);
    expect((await getRun(db.pool, userB, runB))!.tasks[0].status).toBe('completed');
    expect((await getRun(db.pool, userA, runA))!.run.starred).toBe(false);
    await expectConsistent(head2, 1);

    // Retry without a fix: quarantined again, at the same event.
    expect(await retryQuarantined({ store, pool: db.pool, runId: runA })).toMatchObject({
      runId: runA,
      state: 'quarantined',
      quarantined: { position: positionToString(poison) },
    });
    // Skip: the poison event is left out of every fold; A projects again, with what came after it.
    expect(await skipQuarantined({ store, pool: db.pool, runId: runA })).toEqual({
      runId: runA,
      state: 'running',
      skippedEventId: entry.eventId,
    });
    const head3 = await put(runA, userA, [a.archived()]);
    await projector.waitFor(head3);
    expect((await getRun(db.pool, userA, runA))!.run).toMatchObject({
      name: 'after the poison',
      starred: true,
      archived: true,
    });
    expect(await quarantined(runA)).toBe(false);
    expect((await projector.status())[0]).toMatchObject({ state: 'running', quarantined: [] });
    await expectConsistent(head3, 0);
    await expect(retryQuarantined({ store, pool: db.pool, runId: runA })).rejects.toThrow(NotQuarantined);
  });

  it('a value PostgreSQL refuses quarantines its run at that event, in the same batch as healthy runs', async () => {
    const [userC, userD] = [randomUUID(), randomUUID()];
    const [runC, runD] = [randomUUID(), randomUUID()];
    const c = runEvents(runC, userC);
    const d = runEvents(runD, userD);
    const [taskC, taskD] = [randomUUID(), randomUUID()];
    // Year 0 is a valid JavaScript date and no PostgreSQL timestamptz: a stand-in for any value a column refuses.
    const created = c.created(taskC, clock.now(), 'hi');
    const yearZero = { ...created, data: { ...created.data, createdAt: '0000-06-01T00:00:00.000Z' } } as Body;
    await put(runD, userD, [d.started(clock.now())]);
    await put(runC, userC, [c.started(clock.now())]);
    const bad = await put(runC, userC, [yearZero]);
    await put(runD, userD, [d.created(taskD, clock.now(), 'q'), d.chunk(taskD, 0, 'answer')]);
    const head = await put(runC, userC, [c.chunk(taskC, 0, 'never')]);
    await projector.start(); // one batch: the healthy run and the refused one together
    await projector.waitFor(head);

    expect((await getRun(db.pool, userD, runD))!.tasks[0].responseText).toBe('answer');
    const [entry] = await readQuarantine(db.pool, 'runs');
    expect(entry).toMatchObject({ runId: runC, eventType: 'TaskCreated', revision: 1, position: bad });
    expect(entry.error).toMatch(/^22008: /);
    const c0 = await getRun(db.pool, userC, runC);
    expect(c0!.run).toMatchObject({ version: 0, taskCount: 0 });
    expect(c0!.tasks).toEqual([]);
    await expectConsistent(head, 1);

    // Skipping the refused event: its chunk now has no task, so the fold stops at that one.
    expect(await skipQuarantined({ store, pool: db.pool, runId: runC })).toMatchObject({
      state: 'quarantined',
      quarantined: { position: positionToString(head) },
    });
    await expectConsistent(head, 1);
    expect(await skipQuarantined({ store, pool: db.pool, runId: runC })).toMatchObject({ state: 'running' });
    expect((await projector.status())[0]).toMatchObject({ state: 'running', quarantined: [] });
    await expectConsistent(head, 0);
  });

  it('the rebuild loads its last runs in groups: all of them, and a value refused in a later group', async () => {
    // The load writes the views left in memory 500 runs a group, two groups at once (rebuild-load.ts).
    const userE = randomUUID();
    let head: GlobalPosition | null = null;
    const runWith = async (createdAt?: string) => {
      const runId = randomUUID();
      const e = runEvents(runId, userE);
      const created = e.created(randomUUID(), clock.now(), 'hi');
      const body = createdAt ? ({ ...created, data: { ...created.data, createdAt } } as Body) : created;
      head = await put(runId, userE, [e.started(clock.now()), body]);
      return head;
    };
    for (let r = 0; r < 1100; r++) await runWith();
    await projector.start();
    await expectConsistent(head!, 0);
    expect(await db.pool.query('SELECT count(*)::int AS n FROM ai_runs')).toMatchObject({
      rows: [{ n: 1100 }],
    });

    // The 1,101st run, in the third group, is refused: the two before it are written first, then the load goes
    // run by run and must leave each run once.
    const bad = await runWith('0000-06-01T00:00:00.000Z');
    for (let r = 0; r < 10; r++) await runWith();
    await projector.waitFor(head!);
    const [entry] = await readQuarantine(db.pool, 'runs');
    expect(entry).toMatchObject({ eventType: 'TaskCreated', position: bad });
    await expectConsistent(head!, 1);
  });

  it('a NUL in a stored chunk (a log the store did not check, e.g. EventStoreDB) quarantines its run; the others go on', async () => {
    const [userE, userF] = [randomUUID(), randomUUID()];
    const [runE, runF] = [randomUUID(), randomUUID()];
    const e = runEvents(runE, userE);
    const f = runEvents(runF, userF);
    const [taskE, taskF] = [randomUUID(), randomUUID()];
    await put(runE, userE, [e.started(clock.now()), e.created(taskE, clock.now(), 'hi')]);
    const bad = await put(runE, userE, [e.chunk(taskE, 0, 'a~b')]);
    // The PostgreSQL store refuses NUL at the append; an EventStoreDB log can hold its JSON escape.
    await db.pool.query(
      `UPDATE events SET data = replace(data::text, 'a~b', $1)::json WHERE stream_id = $2`,
      ['a\\u0000b', `run-${runE}`],
    );
    await put(runF, userF, [f.started(clock.now()), f.created(taskF, clock.now(), 'q')]);
    const head = await put(runF, userF, [f.chunk(taskF, 0, 'answer')]);
    await projector.start();
    await projector.waitFor(head);

    expect((await getRun(db.pool, userF, runF))!.tasks[0].responseText).toBe('answer');
    const [entry] = await readQuarantine(db.pool, 'runs');
    expect(entry).toMatchObject({ runId: runE, eventType: 'ChunkReceived', position: bad });
    expect(entry.error).toMatch(/^22[0-9A-Z]{3}: /); // a data error (jsonb's or text's refusal), not the protocol's
    // Degraded, not stalled: one run is set aside, the projection goes on.
    expect((await projector.status())[0]).toMatchObject({ state: 'degraded' });
  });

  it('erasing a quarantined run removes its rows and its quarantine', async () => {
    const user = randomUUID();
    const run = randomUUID();
    const e = runEvents(run, user);
    await put(run, user, [e.started(clock.now()), e.chunk(randomUUID(), 0, 'orphan')]);
    await projector.start();
    await projector.waitFor(await put(run, user, [e.renamed('x')]));
    expect(await readQuarantine(db.pool, 'runs')).toHaveLength(1);
    const head = await put(run, user, [e.deleted()]);
    await projector.waitFor(head);
    expect(await getRun(db.pool, user, run)).toBeNull();
    expect(await readQuarantine(db.pool, 'runs')).toEqual([]);
    await expectConsistent(head, 0);
  });
});
