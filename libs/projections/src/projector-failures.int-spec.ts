import { randomUUID } from 'node:crypto';
import type { TestDatabase } from '../../../test/support/database';
import { useStoreDatabase } from '../../../test/support/store-database';
import { PostgresEventStore } from '@ledger/event-store';
import { Projector } from './projector';
import { readCheckpoints } from './projector.sql';
import { getRun } from './queries';
import { projectionStatus } from './status';
import { append, Clock, runEvents } from '../test/fixtures';

describe('Projector failures', () => {
  let db: TestDatabase;
  let store: PostgresEventStore;
  useStoreDatabase((d, s) => ([db, store] = [d, s]), { each: true });

  /** One run started in the log; the head after it. */
  async function appendStartedRun() {
    const userId = randomUUID();
    const runId = randomUUID();
    const clock = new Clock();
    return append(store, runId, userId, [runEvents(runId, userId).started(clock.next())], clock.next());
  }

  it('keeps the checkpoint in the batch transaction: a crash before COMMIT leaves nothing partial', async () => {
    const userId = randomUUID();
    const runId = randomUUID();
    const e = runEvents(runId, userId);
    const clock = new Clock();
    const taskId = randomUUID();
    const head = await append(
      store,
      runId,
      userId,
      [
        e.started(clock.next()),
        e.created(taskId, clock.next(), 'hi'),
        e.chunk(taskId, 0, 'hel'),
        e.chunk(taskId, 1, 'lo'),
      ],
      clock.next(),
    );
    const seenFromOutside: Array<{ runs: number; checkpoint: string | null }> = [];
    let attempts = 0;
    const projector = new Projector({
      store,
      pool: db.pool,
      beforeCommit: async () => {
        attempts += 1;
        // Another connection sees neither the rows nor a moved checkpoint of the batch in progress.
        const { rows } = await db.pool.query(
          `SELECT (SELECT count(*) FROM ai_runs)::int + (SELECT count(*) FROM ai_tasks)::int AS runs,
                  (SELECT prepare_position::text FROM projection_checkpoints WHERE name = 'runs') AS checkpoint`,
        );
        seenFromOutside.push(rows[0]);
        if (attempts === 1) throw new Error('simulated crash before COMMIT');
      },
    });
    await projector.start();
    await projector.waitFor(head);
    await projector.stop();
    expect(attempts).toBe(2);
    // After the failed attempt (rolled back) the retry found nothing left behind and the checkpoint where it was.
    expect(seenFromOutside).toEqual([
      { runs: 0, checkpoint: null },
      { runs: 0, checkpoint: null },
    ]);
    const view = await getRun(db.pool, userId, runId);
    expect(view!.tasks[0]).toMatchObject({ responseText: 'hello', status: 'streaming' });
    const [checkpoint] = await readCheckpoints(db.pool);
    expect(checkpoint).toMatchObject({ state: 'running', position: head });
  });

  it('a stall mark that reaches PostgreSQL after the retry committed leaves the checkpoint running', async () => {
    const head = await appendStartedRun();
    // The mark goes through the pool outside the batch's transaction; hold it back until the retry holds the
    // checkpoint row, the order a slow new connection gave on CI (the check then read `stalled` after the commit).
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let mark: Promise<unknown> | null = null;
    const query = db.pool.query.bind(db.pool) as (...args: unknown[]) => Promise<unknown>;
    const spy = jest.spyOn(db.pool, 'query').mockImplementation(((...args: unknown[]) => {
      const marks =
        JSON.stringify(args).includes('stalled') &&
        String(args[0]).startsWith('UPDATE projection_checkpoints');
      if (!marks) return query(...args);
      mark = held.then(() => query(...args));
      return mark;
    }) as never);
    let attempts = 0;
    let markWaited = false;
    const projector = new Projector({
      store,
      pool: db.pool,
      beforeCommit: async () => {
        attempts += 1;
        if (attempts === 1) throw new Error('simulated crash before COMMIT');
        // The retry holds the row: let the mark go and see it wait on the row lock before committing.
        release();
        const deadline = Date.now() + 10_000;
        for (;;) {
          const { rows } = await query(
            `SELECT count(*)::int AS n FROM pg_stat_activity
             WHERE wait_event_type = 'Lock' AND query LIKE 'UPDATE projection_checkpoints%'`,
          ).then((r) => r as { rows: Array<{ n: number }> });
          markWaited = rows[0].n > 0;
          if (markWaited || Date.now() > deadline) break;
          await new Promise((r) => setTimeout(r, 10));
        }
      },
    });
    await projector.start();
    await projector.waitFor(head);
    await projector.stop();
    expect(attempts).toBe(2);
    expect(markWaited).toBe(true);
    await mark;
    spy.mockRestore();
    const [checkpoint] = await readCheckpoints(db.pool);
    expect(checkpoint).toMatchObject({ state: 'running', position: head });
    expect((await projectionStatus(store, db.pool, 'runs')).state).toBe('running');
  });

  it("a batch that keeps failing (not one run's data) is reported stalled, never running, until it commits", async () => {
    const head = await appendStartedRun();
    let broken = true;
    let attempts = 0;
    const projector = new Projector({
      store,
      pool: db.pool,
      beforeCommit: () => {
        attempts += 1;
        if (broken) throw new Error('the disk is full');
      },
    });
    await projector.start();
    // Polled (bounded) until another process, the CLI, reads it from the checkpoint row.
    const deadline = Date.now() + 20_000;
    while ((await projectionStatus(store, db.pool, 'runs')).state !== 'stalled' && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    expect(await projectionStatus(store, db.pool, 'runs')).toMatchObject({ state: 'stalled', lag: 1 });
    expect((await projector.status())[0]).toMatchObject({
      state: 'stalled',
      error: 'the disk is full',
      lag: 1,
    });
    expect(attempts).toBeGreaterThanOrEqual(1);
    broken = false;
    await projector.waitFor(head);
    expect((await projector.status())[0]).toMatchObject({ state: 'running', lag: 0 });
    expect(await projectionStatus(store, db.pool, 'runs')).toMatchObject({ state: 'running' });
    await projector.stop();
  });
});
