import { startChildLedger, type ChildLedger } from '../support/child-ledger';
import { createTestDatabase, type TestDatabase } from '../support/database';

describe('several ledgers started at once on one fresh database', () => {
  let db: TestDatabase;
  const started: ChildLedger[] = [];

  beforeAll(async () => {
    db = await createTestDatabase({ migrate: false });
  });
  afterAll(async () => {
    for (const child of started) child.kill('SIGTERM');
    await Promise.all(started.map((child) => child.exited));
    await db?.drop();
  });

  it('all come up: the ones that lose the migration lock wait for it instead of dying', async () => {
    const results = await Promise.allSettled([1, 2, 3].map(() => startChildLedger(db.url)));
    for (const r of results) if (r.status === 'fulfilled') started.push(r.value);
    const failures = results.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : []));
    expect(failures).toEqual([]);
    for (const child of started) expect((await fetch(`${child.url}/health`)).status).toBe(200);
    const { rows } = await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM pgmigrations');
    const { rows: distinct } = await db.pool.query<{ n: number }>(
      'SELECT count(DISTINCT name)::int AS n FROM pgmigrations',
    );
    expect(rows[0].n).toBeGreaterThan(0);
    expect(distinct[0].n).toBe(rows[0].n);
  }, 120_000);
});
