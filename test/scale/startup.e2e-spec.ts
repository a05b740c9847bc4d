import { createTestDatabase, type TestDatabase } from '../support/database';
import { adminToken, connectTo, startInstance, stopInstances, waitForStatus, type Instance } from './cluster';

describe('several instances started at once on a fresh database', () => {
  let db: TestDatabase;
  let instances: Instance[] = [];

  beforeAll(async () => {
    db = await createTestDatabase({ migrate: false });
  });
  afterAll(async () => {
    await stopInstances(instances);
    await db?.drop();
  });

  it('all three come up (one migrates, the others wait for its lock) and exactly one leads the projection', async () => {
    const settled = await Promise.allSettled(['a', 'b', 'c'].map((id) => startInstance(db.url, id)));
    instances = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    expect(
      settled.filter((s) => s.status === 'rejected').map((s) => String((s as PromiseRejectedResult).reason)),
    ).toEqual([]);
    const admins = await Promise.all(instances.map((i) => connectTo(i, adminToken())));
    try {
      const { leader } = await waitForStatus(admins[0], (s) => s.leader != null);
      for (const admin of admins) expect((await waitForStatus(admin, () => true)).leader).toBe(leader);
      const { rows } = await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM pgmigrations');
      expect(rows[0].n).toBeGreaterThan(0);
    } finally {
      for (const a of admins) a.close();
    }
  });
});
