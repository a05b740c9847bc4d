import pino from 'pino';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/database';
import { currentLeader, ProjectionLeader } from './projection-leader';
import { until as waitUntil } from '../../../../test/support/until';

const logger = pino({ level: 'silent' });

const until = (check: () => Promise<boolean> | boolean, what: string) => waitUntil(check, what, 10_000, 10);

describe('ProjectionLeader on PostgreSQL', () => {
  let db: TestDatabase;
  const leaders: ProjectionLeader[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    for (const l of leaders) await l.stop();
    await db.drop();
  });

  function candidate(instanceId: string, events: string[], projection = 'runs'): ProjectionLeader {
    const leader = new ProjectionLeader({
      connection: db.pool.options,
      projection,
      instanceId,
      retryMs: 50,
      timeoutMs: 2000,
      logger,
      onLead: async () => void events.push(`${instanceId} leads`),
      onStandDown: async () => void events.push(`${instanceId} stands down`),
    });
    leaders.push(leader);
    return leader;
  }

  it('one leads, the other stands by; a lost lock session moves the lead; a stop frees it at once', async () => {
    const events: string[] = [];
    const a = candidate('a', events);
    const b = candidate('b', events);
    await a.start();
    await b.start();
    expect([a.isLeader(), b.isLeader()]).toEqual([true, false]);
    expect(await currentLeader(db.pool, 'runs')).toBe('a');

    // A's session ends under it (as when PostgreSQL drops a dead peer): B takes the lock, A notices and stands down.
    await db.pool.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'ledger-leader:a'`,
    );
    await until(() => b.isLeader() && !a.isLeader(), 'b to lead and a to stand down');
    expect(await currentLeader(db.pool, 'runs')).toBe('b');
    // In either order: for a moment both may believe they lead (the projector's checkpoint lock covers that).
    expect([...events].sort()).toEqual(['a leads', 'a stands down', 'b leads']);

    await b.stop();
    expect(events.at(-1)).toBe('b stands down');
    await until(() => a.isLeader(), 'a to lead again once b stopped');
    expect(await currentLeader(db.pool, 'runs')).toBe('a');
    await a.stop();
    expect(await currentLeader(db.pool, 'runs')).toBeNull();
  });

  it('elects per projection: two projections may lead on two instances', async () => {
    const events: string[] = [];
    const a = candidate('a2', events, 'runs-0');
    const b = candidate('b2', events, 'runs-1');
    await a.start();
    await b.start();
    expect([a.isLeader(), b.isLeader()]).toEqual([true, true]);
    expect(await currentLeader(db.pool, 'runs-0')).toBe('a2');
    expect(await currentLeader(db.pool, 'runs-1')).toBe('b2');
  });
});
