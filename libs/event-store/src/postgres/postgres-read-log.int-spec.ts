import { randomUUID } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { Client } from 'pg';
import type { TestDatabase } from '../../../../test/support/database';
import { useStoreDatabase } from '../../../../test/support/store-database';
import { until } from '../../../../test/support/until';
import type { GlobalPosition, NewEvent, RecordedEvent } from '../event-store.port';
import { logBatches } from '../log-scan';
import type { PostgresEventStore } from './postgres-event-store';
import { readLog } from './postgres-read-log';

setFlagsFromString('--expose-gc'); // gc() for the test of what the read keeps alive

function heapAfterGc(gc: () => void): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/**
 * The log read by COPY (a rebuild's pass) is the log read by pages of `readAll`: the same events, values and order,
 * whatever the text in them (COPY escapes it), where a row crosses the socket's chunks, and with the same rule of
 * what is visible while a transaction is open.
 */
describe('PostgreSQL event store: the whole log read by COPY', () => {
  let db: TestDatabase;
  let store: PostgresEventStore;
  useStoreDatabase((d, s) => ([db, store] = [d, s]), { each: true });

  async function pages(after: GlobalPosition | null, size = 7): Promise<RecordedEvent[]> {
    const all: RecordedEvent[] = [];
    for (;;) {
      const page = await store.readAll(after, size);
      if (page.length === 0) return all;
      all.push(...page);
      after = page[page.length - 1].position;
    }
  }

  async function copied(after: GlobalPosition | null, rowsPerCopy?: number): Promise<RecordedEvent[]> {
    const all: RecordedEvent[] = [];
    for await (const batch of readLog(db.pool, after, rowsPerCopy)) all.push(...batch);
    return all;
  }

  const metadata = (command = 'task.chunks') => ({
    userId: randomUUID(),
    commandId: randomUUID(),
    recordedAt: new Date().toISOString(),
    schemaVersion: 4,
    command,
    payloadHash: 'q1w2e3r4t5y6u7i8o9p0aSdFgHjKlZxCvBnM1234567',
  });
  const event = (type: string, data: unknown, meta: unknown = metadata()): NewEvent =>
    ({ id: randomUUID(), type, data, metadata: meta }) as NewEvent;

  it('gives the events of pages of readAll, every escape, NULL-like text and rows longer than a chunk included', async () => {
    const runId = randomUUID();
    const taskId = randomUUID();
    const tricky = 'tab\there\nnewline\rreturn\\backslash\bback\fform\vvertical \\N é 😀 中文 "quoted"';
    await store.appendToStream(
      `run-${runId}`,
      [
        event('RunStarted', { runId, name: tricky }),
        // Typed metadata columns, with a command name COPY must escape, and one that reads like NULL.
        event('TaskCreated', { runId, taskId, model: 'm' }, metadata('a\tb\\c')),
        event('TaskCreated', { runId, taskId: randomUUID(), model: 'm' }, metadata('\\N')),
        // A packed chunk batch (data_layout 2) whose text spans several of the socket's chunks.
        event('ChunksReceived', {
          runId,
          taskId,
          chunks: [{ seq: 0, kind: 'text', text: '😀é中'.repeat(40_000) + tricky, offsetMs: 3 }],
        }),
        // Metadata stored verbatim (no typed columns), data with its runId not first.
        event('Note', { text: tricky, runId }, { any: tricky }),
      ],
      'any',
    );
    // Another stream that is not a run's: left out by both reads.
    await store.appendToStream(`budget-${randomUUID()}`, [event('BudgetSet', { limit: 1 })], 'any');
    await store.appendToStream(`run-${randomUUID()}`, [event('RunStarted', { name: 'second' })], 'any');

    const expected = await pages(null);
    expect(expected).toHaveLength(6);
    expect(await copied(null)).toEqual(expected);
    // A COPY at a time of fewer rows than the log, and from a position inside it.
    expect(await copied(null, 2)).toEqual(expected);
    expect(await copied(expected[2].position, 1)).toEqual(expected.slice(3));
    expect(await copied(expected[5].position)).toEqual([]);
    // Through the store, and through logBatches with the store's readLog and without it (pages of readAll).
    const viaStore: RecordedEvent[] = [];
    for await (const batch of logBatches(store, null, 3)) viaStore.push(...batch);
    expect(viaStore).toEqual(expected);
    const viaPages: RecordedEvent[] = [];
    for await (const batch of logBatches({ readAll: (a, n) => store.readAll(a, n) }, null, 3))
      viaPages.push(...batch);
    expect(viaPages).toEqual(expected);
  });

  it('gives the events of pages of readAll for any text and metadata (property)', async () => {
    const text = fc.oneof(
      fc.string(),
      fc.string({ unit: 'binary' }),
      fc.constantFrom('\\N', '\t', '\\', '\n\r'),
    );
    const meta = fc.oneof(
      fc.record({
        userId: fc.uuid().map((u) => u.toLowerCase()),
        commandId: fc.uuid().map((u) => u.toLowerCase()),
        recordedAt: fc.integer({ min: 0, max: 4_102_444_800_000 }).map((ms) => new Date(ms).toISOString()),
        schemaVersion: fc.integer({ min: -32768, max: 32767 }),
        command: text,
        payloadHash: fc.uint8Array({ maxLength: 32 }).map((b) => Buffer.from(b).toString('base64url')),
      }),
      fc.dictionary(text, fc.jsonValue({ maxDepth: 2 })),
    );
    const data = fc.oneof(
      fc.record({
        taskId: fc.uuid(),
        chunks: fc.array(fc.record({ seq: fc.nat(), kind: text, text, offsetMs: fc.nat() })),
      }),
      fc.dictionary(text, fc.jsonValue({ maxDepth: 2 })),
    );
    let appended = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(text, data, meta), { minLength: 1, maxLength: 4 }),
        async (specs) => {
          const runId = randomUUID();
          // The type is the ledger's own name, never a client's text: any text but NUL (text columns refuse it).
          const events = specs.map(([type, d, m]) =>
            event(type.replace(/\0/g, '') || 'T', { runId, ...d }, m),
          );
          try {
            await store.appendToStream(`run-${runId}`, events, 'any');
          } catch (error) {
            expect(String(error)).toMatch(/NUL or a lone UTF-16 surrogate/); // refused by every store
            return;
          }
          appended += events.length;
          const expected = await pages(null, 50);
          expect(await copied(null, 5)).toEqual(expected);
        },
      ),
      { numRuns: 60 },
    );
    expect(appended).toBeGreaterThan(30);
  });

  it('passes no event of a transaction still open, as readAll does', async () => {
    const runId = randomUUID();
    await store.appendToStream(`run-${runId}`, [event('RunStarted', { runId })], 'any');
    // A transaction that has taken an id and not committed: what commits after it is not visible yet.
    const open = new Client({ connectionString: db.url });
    await open.connect();
    try {
      await open.query('BEGIN');
      await open.query('SELECT pg_current_xact_id()');
      await store.appendToStream(`run-${runId}`, [event('Note', { runId })], 'any');
      expect((await copied(null)).map((e) => e.type)).toEqual(['RunStarted']);
      expect(await copied(null)).toEqual(await pages(null));
      await open.query('COMMIT');
      expect((await copied(null)).map((e) => e.type)).toEqual(['RunStarted', 'Note']);
    } finally {
      await open.end();
    }
  });

  it('gives its connection up, not back to the pool, when the reader stops before the end', async () => {
    const runId = randomUUID();
    const big = 'x'.repeat(100_000);
    await store.appendToStream(
      `run-${runId}`,
      Array.from({ length: 20 }, () => event('Note', { runId, big })),
      'any',
    );
    let batches = 0;
    for await (const batch of readLog(db.pool, null)) {
      expect(batch.length).toBeGreaterThan(0);
      batches += 1;
      break;
    }
    expect(batches).toBe(1);
    // The COPY's backend is gone, and the pool serves queries as before.
    await until(
      async () =>
        (
          await db.pool.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM pg_stat_activity
             WHERE datname = current_database() AND query LIKE 'COPY (SELECT position%'`,
          )
        ).rows[0].n === 0,
      'the abandoned COPY to end',
    );
    expect((await copied(null)).length).toBe(20);
  });

  it("keeps no row alive through the ids taken from it (a rebuild keeps every dropped run's id)", async () => {
    const gc = runInNewContext('gc') as () => void;
    const big = 'x'.repeat(100_000);
    for (let i = 0; i < 100; i++)
      await store.appendToStream(
        `run-${randomUUID()}`,
        [event('Note', { text: big }, metadata('a-long-command-name'))],
        'any',
      );
    const before = heapAfterGc(gc);
    // What the rebuild keeps of an event for the whole pass: its run's id (a slice of the stream id), and with it
    // here every other string column, so that none of them pins its row.
    const kept: string[] = [];
    for await (const batch of readLog(db.pool, null))
      for (const e of batch)
        kept.push(e.streamId.slice(4), e.id, e.type, e.metadata.userId, e.metadata.commandId);
    const grown = heapAfterGc(gc) - before;
    expect(kept).toHaveLength(500);
    // 100 rows of 100 KB: pinned, they are 10 MB; the ids alone are a few tens of KB.
    expect(grown).toBeLessThan(2_000_000);
  });
});
