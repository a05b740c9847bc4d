import { randomUUID } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/database';
import { useStoreDatabase } from '../../../../test/support/store-database';
import { eventStoreContract, event } from '../../test/event-store.contract';
import { DuplicateEventId, UnstorableEvent } from '../event-store.port';
import { PostgresEventStore } from './postgres-event-store';

eventStoreContract('PostgreSQL', async () => {
  const db = await createTestDatabase();
  const store = new PostgresEventStore(db.pool, db.url);
  return { store, teardown: async () => (await store.close(), await db.drop()) };
});

describe('PostgreSQL event store: global order under concurrent commits', () => {
  let db: TestDatabase;
  let store: PostgresEventStore;
  useStoreDatabase((d, s) => ([db, store] = [d, s]));

  it('never skips an event of a transaction that commits late with a lower sequence value', async () => {
    const early = `run-${randomUUID()}`;
    const late = `run-${randomUUID()}`;
    // A writer takes a low position and holds its transaction open.
    const held = await db.pool.connect();
    await held.query('BEGIN');
    await held.query(
      `INSERT INTO events (stream_id, stream_revision, event_id, type, data, metadata) VALUES ($1, 0, $2, 'Held', '{}', '{}')`,
      [early, randomUUID()],
    );
    // Another writer takes a higher position and commits first.
    await store.appendToStream(late, [event('Later')], -1);

    // A reader now must not pass the held transaction: it sees nothing of either yet...
    const first = await store.readAll(null, 100);
    expect(first.map((e) => e.type)).toEqual([]);

    // ...and once the held one commits, it reads both, the held one first (its transaction is older).
    await held.query('COMMIT');
    held.release();
    const after = await store.readAll(null, 100);
    expect(after.map((e) => e.type)).toEqual(['Held', 'Later']);
  });

  it('a subscription that is ahead of a held-open transaction still delivers it when it commits', async () => {
    const seen: string[] = [];
    let resolve!: () => void;
    const got = new Promise<void>((r) => (resolve = r));
    const start = await store.headPosition();
    const sub = store.subscribeToAll(start, async ({ events }) => {
      seen.push(...events.map((e) => e.type));
      if (seen.includes('Slow') && seen.includes('Fast')) resolve();
    });
    const held = await db.pool.connect();
    await held.query('BEGIN');
    await held.query(
      `INSERT INTO events (stream_id, stream_revision, event_id, type, data, metadata) VALUES ($1, 0, $2, 'Slow', '{}', '{}')`,
      [`run-${randomUUID()}`, randomUUID()],
    );
    await store.appendToStream(`run-${randomUUID()}`, [event('Fast')], -1);
    await held.query('COMMIT');
    held.release();
    await got;
    await sub.stop();
    expect(seen).toEqual(['Slow', 'Fast']);
  });
});

describe('PostgreSQL event store: one bad stream in a group commit', () => {
  let db: TestDatabase;
  let store: PostgresEventStore;
  useStoreDatabase((d, s) => ([db, store] = [d, s]));

  const transactionsOf = async (streams: string[]) =>
    (
      await db.pool.query<{ tx: string }>(
        'SELECT DISTINCT transaction_id::text AS tx FROM events WHERE stream_id = ANY($1)',
        [streams],
      )
    ).rows.length;

  it('refuses a stream with NUL or a lone surrogate alone; the others go in one statement', async () => {
    const good = [`run-${randomUUID()}`, `run-${randomUUID()}`, `run-${randomUUID()}`];
    const results = await store.appendMany([
      {
        streamId: good[0],
        expectedRevision: -1,
        events: [event('A', { text: 'emoji 🚀 and \\u0000 as text' })],
      },
      { streamId: `run-${randomUUID()}`, expectedRevision: -1, events: [event('B', { ['k\u0000']: 1 })] },
      { streamId: good[1], expectedRevision: -1, events: [event('C')] },
      { streamId: `run-${randomUUID()}`, expectedRevision: -1, events: [event('D', { text: 'x\udc00' })] },
      { streamId: good[2], expectedRevision: -1, events: [event('E')] },
    ]);
    expect(results.map((r) => (r instanceof Error ? r.name : r.nextRevision))).toEqual([
      0,
      'UnstorableEvent',
      0,
      'UnstorableEvent',
      0,
    ]);
    expect(results[1]).toBeInstanceOf(UnstorableEvent);
    expect(await transactionsOf(good)).toBe(1);
    const [stored] = await store.readStream(good[0]);
    expect(stored.data).toMatchObject({ text: 'emoji 🚀 and \\u0000 as text' });
  });

  it('a failure the checks do not foresee (an event id stored elsewhere) costs the others halves, not one statement each', async () => {
    const taken = event('Taken');
    await store.appendToStream(`run-${randomUUID()}`, [taken], -1);
    const good = Array.from({ length: 7 }, () => `run-${randomUUID()}`);
    const appends = good.map((streamId) => ({ streamId, expectedRevision: -1, events: [event('G')] }));
    appends.splice(3, 0, { streamId: `run-${randomUUID()}`, expectedRevision: -1, events: [taken] });
    const results = await store.appendMany(appends);
    expect(results[3]).toBeInstanceOf(DuplicateEventId);
    expect(results.filter((r) => !(r instanceof Error))).toHaveLength(7);
    // Split in halves around the bad stream: 8 → 4 + 4 → (2 + 2) + 4 → …: at most log2(8) + 1 statements.
    expect(await transactionsOf(good)).toBeLessThanOrEqual(4);
  });
});
