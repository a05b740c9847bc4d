import { randomUUID } from 'node:crypto';
import type { TestDatabase } from '../../../test/support/database';
import { useStoreDatabase } from '../../../test/support/store-database';
import { PostgresEventStore } from '@ledger/event-store';
import { rebuild } from './rebuild';
import { append, Clock, runEvents } from '../test/fixtures';

/** The migrations are the one source of the read models' indexes: a rebuild rebuilds exactly those. */
describe('rebuild: indexes come from the live tables (the migrations)', () => {
  let db: TestDatabase;
  let store: PostgresEventStore;
  useStoreDatabase((d, s) => ([db, store] = [d, s]));

  const indexes = async () =>
    (
      await db.pool.query<{ def: string }>(
        `SELECT indexdef AS def FROM pg_indexes
         WHERE tablename IN ('ai_runs', 'ai_task_rows', 'usage_daily', 'ai_run_search') ORDER BY indexname`,
      )
    ).rows.map((r) => r.def);

  it('gives the rebuilt tables the same indexes and keys, under the same names, also after an added index', async () => {
    const clock = new Clock();
    const [runId, userId] = [randomUUID(), randomUUID()];
    await append(store, runId, userId, [runEvents(runId, userId).started(clock.now())], clock.next());
    // An index a later migration adds is kept by a rebuild without any change to the rebuild's code.
    await db.pool.query('CREATE INDEX ai_runs_name_test_idx ON ai_runs (name)');
    const before = await indexes();
    expect(before.join('\n')).toContain('ai_runs_pkey');
    expect(before.join('\n')).toContain('ai_runs_name_test_idx');
    expect(before.join('\n')).toContain('ai_run_search_idx'); // the search documents' table is rebuilt too

    await rebuild({ store, pool: db.pool });
    expect(await indexes()).toEqual(before);
    await rebuild({ store, pool: db.pool }); // and again, from tables that a rebuild made
    expect(await indexes()).toEqual(before);
  });

  it("keeps the live tables' storage parameters (the task rows' fillfactor from migration 011)", async () => {
    const options = async () =>
      (
        await db.pool.query<{ relname: string; reloptions: string[] | null }>(
          `SELECT relname, reloptions FROM pg_class
           WHERE relname IN ('ai_runs', 'ai_task_rows', 'usage_daily') AND relkind = 'r' ORDER BY relname`,
        )
      ).rows;
    const before = await options();
    expect(before.find((r) => r.relname === 'ai_task_rows')?.reloptions).toEqual(['fillfactor=50']);
    await rebuild({ store, pool: db.pool });
    expect(await options()).toEqual(before);
  });

  it("keeps how each column is stored (the task rows' text columns' compression or storage, migrations 013 and 015)", async () => {
    const lz4 = (
      await db.pool.query<{ lz4: boolean }>(
        `SELECT EXISTS (SELECT 1 FROM pg_settings
         WHERE name = 'default_toast_compression' AND 'lz4' = ANY (enumvals)) AS lz4`,
      )
    ).rows[0].lz4;
    const columns = async () =>
      (
        await db.pool.query<{ relname: string; attname: string; attstorage: string; compression: string }>(
          `SELECT c.relname, a.attname, a.attstorage, a.attcompression::text AS compression
           FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
           WHERE c.relname IN ('ai_runs', 'ai_task_rows', 'usage_daily') AND c.relkind = 'r'
             AND a.attnum > 0 AND NOT a.attisdropped ORDER BY c.relname, a.attnum`,
        )
      ).rows;
    const before = await columns();
    for (const name of ['response_text', 'response_text_tail']) {
      const text = before.find((c) => c.relname === 'ai_task_rows' && c.attname === name)!;
      // With lz4, compressed with it; without (the embedded server), not compressed at all ('e': external).
      expect(lz4 ? text.compression : text.attstorage).toBe(lz4 ? 'l' : 'e');
    }
    await rebuild({ store, pool: db.pool });
    expect(await columns()).toEqual(before);
  });
});
