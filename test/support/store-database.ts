import { PostgresEventStore } from '@ledger/event-store';
import { createTestDatabase, type TestDatabase } from './database';

/**
 * A fresh, migrated database and a PostgreSQL event store over it, for the tests of one describe block: made before
 * them (with `each`, before each test), handed to `use`, and closed and dropped after. The many int specs that need
 * only these two share it rather than each spelling out the same four hooks.
 */
export function useStoreDatabase(
  use: (db: TestDatabase, store: PostgresEventStore) => void,
  options: { each?: boolean } = {},
): void {
  let db: TestDatabase | undefined;
  let store: PostgresEventStore | undefined;
  (options.each ? beforeEach : beforeAll)(async () => {
    db = await createTestDatabase();
    store = new PostgresEventStore(db.pool, db.url);
    use(db, store);
  });
  (options.each ? afterEach : afterAll)(async () => {
    await store?.close();
    await db?.drop();
  });
}
