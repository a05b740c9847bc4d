import { randomUUID } from 'node:crypto';
import type { Socket } from 'socket.io-client';
import type { Pool } from 'pg';
import { toRunStreamId } from '@ledger/domain';
import { rebuild, verify } from '@ledger/projections';
import { startLedger, type RunningLedger } from '../apps/ledger/src/bootstrap';
import { signToken } from '@ledger/runtime';
import { ProjectionHost } from '../apps/ledger/src/read/projection-host';
import { RetentionScheduler } from '../apps/ledger/src/retention/retention-scheduler';
import { runCli } from './support/run-cli';
import { createTestDatabase, type TestDatabase } from './support/database';
import { connectClient, ok, taskPayload, TEST_JWT_SECRET } from './support/ledger-server';
import { systemClock, type Clock } from '@ledger/async';

const DAY_MS = 86_400_000;
const T0 = Date.parse('2030-06-01T12:00:00Z');

const cli = runCli;

/** Every row of the read models, in a stable order (what a rebuild must give back). */
async function tables(pool: Pool) {
  const q = async (sql: string) => (await pool.query(sql)).rows;
  return {
    runs: await q('SELECT * FROM ai_runs ORDER BY id'),
    tasks: await q('SELECT * FROM ai_tasks ORDER BY id'),
    usage: await q('SELECT * FROM usage_daily ORDER BY user_id, day, model'),
  };
}

/** Rows of any table of the database whose text holds `needle`. */
async function rowsHolding(pool: Pool, needle: string): Promise<string[]> {
  const { rows } = await pool.query<{ table_name: string }>(
    "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
  );
  const found: string[] = [];
  for (const { table_name } of rows) {
    const hit = await pool.query(`SELECT 1 FROM "${table_name}" t WHERE t::text LIKE $1 LIMIT 1`, [
      `%${needle}%`,
    ]);
    if (hit.rowCount) found.push(table_name);
  }
  return found;
}

describe('retention: archive and erase idle runs (controlled clock), exactly what the dry run lists', () => {
  let db: TestDatabase;
  let ledger: RunningLedger;
  let socket: Socket;
  let offset = 0;
  const clock: Clock = { now: () => Date.now() + offset, setTimer: systemClock.setTimer };
  const savedEnv = { ...process.env };
  const userId = randomUUID();

  /** A run with one completed task, recorded `daysAgo` days before T0; its content names it. */
  const seed = async (name: string, daysAgo: number, sourceType = 'chat', extra?: 'star' | 'archive') => {
    offset = T0 - daysAgo * DAY_MS - Date.now();
    const { runId } = await ok<{ runId: string }>(socket, 'run.start', { sourceType, name, settings: {} });
    const task = taskPayload(runId, { userMessage: { content: `SECRET-${name}` } });
    await ok(socket, 'task.create', task);
    await ok(socket, 'task.chunk', {
      runId,
      taskId: task.taskId,
      seq: 0,
      text: `ANSWER-${name}`,
      offsetMs: 1,
    });
    await ok(socket, 'task.complete', {
      runId,
      taskId: task.taskId,
      usage: { inputTokens: 10, outputTokens: 5 },
    });
    if (extra === 'star') await ok(socket, 'run.star', { runId, starred: true });
    if (extra === 'archive') await ok(socket, 'run.archive', { runId });
    return runId;
  };
  const caughtUp = async () => {
    const head = await ledger.runtime.store.headPosition();
    if (head) await ledger.app.get(ProjectionHost).projector.waitFor(head);
  };

  beforeAll(async () => {
    db = await createTestDatabase({ migrate: false });
    ledger = await startLedger(
      {
        DATABASE_URL: db.url,
        LEDGER_JWT_SECRET: TEST_JWT_SECRET,
        PORT: '0',
        HOST: '127.0.0.1',
        LEDGER_LOG_LEVEL: 'silent',
        LEDGER_RETENTION_ARCHIVE_AFTER: '30d',
        LEDGER_RETENTION_ERASE_AFTER: '365d',
      },
      { clock },
    );
    socket = await connectClient(ledger.url, signToken(userId, TEST_JWT_SECRET));
    process.env.DATABASE_URL = db.url;
    process.env.LEDGER_LOG_LEVEL = 'silent';
  });
  afterAll(async () => {
    process.env = savedEnv;
    socket?.close();
    await ledger?.close();
    await db?.drop();
  });

  it('dry run lists, the real run archives and erases exactly those, no content remains, verify and rebuild agree', async () => {
    const runs = {
      ancient: await seed('ancient', 400),
      old: await seed('old', 100),
      oldPrompt: await seed('oldPrompt', 100, 'prompt'),
      starredAncient: await seed('starredAncient', 400, 'chat', 'star'),
      alreadyArchived: await seed('alreadyArchived', 100, 'chat', 'archive'),
      recent: await seed('recent', 10),
    };
    offset = T0 - Date.now();
    await caughtUp();
    const at = new Date(T0).toISOString();
    const policy = ['--archive-after', '30d', '--erase-after', '365d', '--at', at];

    // The dry run lists exactly what would change, and changes nothing.
    const before = await tables(db.pool);
    const dry = await cli('retention', 'apply', ...policy, '--dry-run');
    expect(dry.code).toBe(0);
    const listed = dry.stdout
      .trim()
      .split('\n')
      .filter((l) => !l.startsWith('dry run'))
      .map((l) => l.split('\t').slice(0, 2).join(' '))
      .sort();
    expect(listed).toEqual(
      [`erase ${runs.ancient}`, `archive ${runs.old}`, `archive ${runs.oldPrompt}`].sort(),
    );
    expect(dry.stdout).toContain('dry run: 2 run(s) would be archived, 1 erased');
    const onlyPrompt = await cli('retention', 'apply', ...policy, '--dry-run', '--source-type', 'prompt');
    expect(onlyPrompt.stdout).toContain(`archive\t${runs.oldPrompt}`);
    expect(onlyPrompt.stdout).toContain('dry run: 1 run(s) would be archived, 0 erased');
    await caughtUp();
    expect(await tables(db.pool)).toEqual(before);

    // The real run.
    const applied = await cli('retention', 'apply', ...policy);
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain('archived 2, erased 1, skipped 0 (new activity since the plan) of 3');
    await caughtUp();
    const after = await tables(db.pool);
    const byId = new Map(after.runs.map((r) => [r.id as string, r]));
    expect(byId.has(runs.ancient)).toBe(false);
    expect(byId.get(runs.old)?.archived).toBe(true);
    expect(byId.get(runs.oldPrompt)?.archived).toBe(true);
    expect(byId.get(runs.starredAncient)?.archived).toBe(false);
    expect(byId.get(runs.recent)?.archived).toBe(false);
    const untouched = (r: Record<string, unknown>) =>
      ![runs.ancient, runs.old, runs.oldPrompt].includes(r.id as string);
    expect(after.runs.filter(untouched)).toEqual(before.runs.filter(untouched));

    // Erasure is verifiable: the stream is its tombstone, and no row of any table holds the run's content.
    const stream = await ledger.runtime.store.readStream(toRunStreamId(runs.ancient));
    expect(stream.map((e) => e.type)).toEqual(['RunDeleted']);
    expect(await rowsHolding(db.pool, 'SECRET-ancient')).toEqual([]);
    expect(await rowsHolding(db.pool, 'ANSWER-ancient')).toEqual([]);
    expect(await rowsHolding(db.pool, 'SECRET-starredAncient')).not.toEqual([]);
    expect((await verify({ store: ledger.runtime.store, pool: db.pool })).mismatches).toEqual([]);

    // A rebuild from the log gives the same tables (the erased run does not come back).
    await rebuild({ store: ledger.runtime.store, pool: db.pool });
    expect(await tables(db.pool)).toEqual(after);

    // The server's daily pass (same policy from LEDGER_RETENTION_*): nothing left to do; and one instance at a time.
    const scheduler = ledger.app.get(RetentionScheduler);
    expect(await scheduler.runOnce()).toEqual({ archived: 0, erased: 0, skipped: 0 });
    const other = await db.pool.connect();
    try {
      await other.query('SELECT pg_advisory_lock($1, $2)', [0x6c656467, 0x72657465]);
      expect(await scheduler.runOnce()).toBeNull();
      await other.query('SELECT pg_advisory_unlock($1, $2)', [0x6c656467, 0x72657465]);
    } finally {
      other.release();
    }
  });
});
