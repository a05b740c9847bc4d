import { randomUUID } from 'node:crypto';
import { LedgerError } from '@ledger/contract';
import { toRunStreamId, type RunEvent } from '@ledger/domain';
import {
  PostgresEventStore,
  type ReadStreamOptions,
  type RecordedEvent,
  type StoredEvent,
} from '@ledger/event-store';
import { loadPricing } from '@ledger/pricing';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/database';
import { taskPayload, writeRequest } from '../../../../test/support/run-requests';
import { RunWriter, type PricingFunctions } from './run-writer';

/** The real PostgreSQL store, counting what each stream read returned (to see how much a command made it read). */
class RecordingStore extends PostgresEventStore {
  readonly reads: Array<{ streamId: string; events: number }> = [];
  override async readStream<Ev extends StoredEvent = RunEvent>(
    streamId: string,
    options?: ReadStreamOptions,
  ): Promise<RecordedEvent<Ev>[]> {
    const events = await super.readStream<Ev>(streamId, options);
    this.reads.push({ streamId, events: events.length });
    return events;
  }
}

const prices = loadPricing({});
const pricing: PricingFunctions = { price: (r) => prices.price(r), estimate: (r) => prices.estimate(r) };

const request = writeRequest;
const task = taskPayload;

describe('RunWriter on PostgreSQL', () => {
  let db: TestDatabase;
  let store: RecordingStore;

  beforeAll(async () => {
    db = await createTestDatabase();
    store = new RecordingStore(db.pool, db.url);
  });
  afterAll(async () => {
    await store.close();
    await db.drop();
  });

  it("checks the owner on the first event alone: another user's run is NOT_FOUND, read one event deep and not cached", async () => {
    const owner = randomUUID();
    const runId = randomUUID();
    const ownerWriter = new RunWriter(store, pricing);
    await ownerWriter.submit(request(owner, 'run.start', { runId, sourceType: 'chat', settings: {} }));
    const t = task(runId);
    await ownerWriter.submit(request(owner, 'task.create', t));
    // One event per command (a task.chunks batch would be one event): a stream 52 events long.
    for (let seq = 0; seq < 50; seq++)
      await ownerWriter.submit(
        request(owner, 'task.chunk', { runId, taskId: t.taskId, seq, text: `w${seq} `, offsetMs: seq }),
      );
    await ownerWriter.close();
    const streamId = toRunStreamId(runId);
    expect(await store.streamRevision(streamId)).toBe(51);

    // A writer that has not seen the run (another process, or after eviction) gets a foreign command on it.
    const writer = new RunWriter(store, pricing);
    store.reads.length = 0;
    const attempt = writer.submit(request(randomUUID(), 'task.create', task(runId)));
    await expect(attempt).rejects.toEqual(new LedgerError('NOT_FOUND', 'run not found'));
    const read = store.reads.filter((r) => r.streamId === streamId);
    expect(read).toEqual([{ streamId, events: 1 }]);
    expect(writer.knownVersion(runId)).toBeNull();

    // The owner's next command on that writer still works (loads the run then).
    await writer.submit(request(owner, 'run.rename', { runId, name: 'mine' }));
    expect(writer.knownVersion(runId)).toBe(52);
    await writer.close();
  });

  it('a stream that PostgreSQL cannot store is refused alone (VALIDATION); the rest of the group commit is one statement', async () => {
    const userId = randomUUID();
    const flushes: Array<{ commands: number; streams: number }> = [];
    const writer = new RunWriter(store, pricing, {
      flushDelayMs: 20,
      onFlush: ({ commands, streams }) => flushes.push({ commands, streams }),
    });
    const runs = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    await Promise.all(
      runs.map((runId) =>
        writer.submit(request(userId, 'run.start', { runId, sourceType: 'chat', settings: {} })),
      ),
    );
    flushes.length = 0;

    // One group commit: two good runs, one with a NUL in a key, one with a lone surrogate in a value.
    const outcomes = await Promise.allSettled([
      writer.submit(request(userId, 'task.create', task(runs[0]))),
      writer.submit(request(userId, 'task.create', task(runs[1], { requestData: { 'a\u0000b': 1 } }))),
      writer.submit(request(userId, 'task.create', task(runs[2], { requestData: { text: 'x\ud800y' } }))),
      writer.submit(request(userId, 'task.create', task(runs[3]))),
    ]);
    await writer.close();

    expect(flushes).toEqual([{ commands: 4, streams: 4 }]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
    for (const bad of [outcomes[1], outcomes[2]])
      expect((bad as PromiseRejectedResult).reason).toMatchObject({ code: 'VALIDATION' });

    // The good runs' events went in together: one transaction, not one per stream.
    const { rows } = await db.pool.query<{ tx: string }>(
      `SELECT DISTINCT transaction_id::text AS tx FROM events WHERE stream_id = ANY($1) AND type = 'TaskCreated'`,
      [[toRunStreamId(runs[0]), toRunStreamId(runs[3])]],
    );
    expect(rows).toHaveLength(1);
    for (const runId of [runs[1], runs[2]]) expect(await store.streamRevision(toRunStreamId(runId))).toBe(0);
  });

  it('keeps idle runs within the cache byte bound: a run larger than the bound is read again, and still works', async () => {
    const userId = randomUUID();
    const writer = new RunWriter(store, pricing, { maxCachedBytes: 256 * 1024 });
    const [small, large] = [randomUUID(), randomUUID()];
    for (const runId of [small, large])
      await writer.submit(request(userId, 'run.start', { runId, sourceType: 'chat', settings: {} }));
    await writer.submit(request(userId, 'task.create', task(small)));
    // About 400 KB of request text (two bytes a character in memory): past the bound alone.
    await writer.submit(
      request(userId, 'task.create', task(large, { requestData: { text: 'x'.repeat(200_000) } })),
    );
    expect(writer.cacheStats.idleRuns).toBe(1);
    // Its revision is still known, for read-your-writes.
    expect(writer.knownVersion(small)).toBe(1);
    expect(writer.knownVersion(large)).toBe(1);
    expect(writer.cacheStats.idleBytes).toBeLessThan(256 * 1024);

    // Its next command reads it from the log (the whole stream) and is decided as before.
    store.reads.length = 0;
    await expect(
      writer.submit(request(userId, 'run.rename', { runId: large, name: 'large' })),
    ).resolves.toEqual({});
    expect(store.reads.filter((r) => r.streamId === toRunStreamId(large))).toEqual([
      { streamId: toRunStreamId(large), events: 1 },
      { streamId: toRunStreamId(large), events: 1 },
    ]);
    expect(await store.streamRevision(toRunStreamId(large))).toBe(2);
    await writer.close();
  });
});
