import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { runner } from 'node-pg-migrate';
import { digest } from '@ledger/domain';
import { migrate, MIGRATIONS_DIR } from '@ledger/database';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/database';
import { useStoreDatabase } from '../../../../test/support/store-database';
import type { NewEvent } from '../event-store.port';
import { PostgresEventStore } from './postgres-event-store';

/**
 * The typed metadata columns and the left-out `runId` (migration …012) are a layout: whatever was appended reads
 * back as the same event, key order included (an export, a digest and a replay see the JSON as it was written).
 */
describe('PostgreSQL event rows: typed metadata and runId', () => {
  let db: TestDatabase;
  let store: PostgresEventStore;
  useStoreDatabase((d, s) => ([db, store] = [d, s]));

  const metadataOf = (over: Record<string, unknown> = {}) => ({
    userId: randomUUID(),
    commandId: randomUUID(),
    recordedAt: '2026-11-30T19:21:22.123Z',
    schemaVersion: 4,
    command: 'chunk.append',
    payloadHash: digest({ any: 'payload' }), // as the decider writes it
    ...over,
  });

  async function roundTrip(streamId: string, events: NewEvent[]) {
    await store.appendToStream(streamId, events, 'any');
    const read = await store.readStream(streamId);
    return read.slice(-events.length);
  }

  async function rowOf(eventId: string) {
    const { rows } = await db.pool.query(
      `SELECT data::text AS data, metadata::text AS metadata, data_layout, task_id, user_id, recorded_at, payload_hash
       FROM events WHERE event_id = $1`,
      [eventId],
    );
    return rows[0];
  }

  it("stores a command's metadata in typed columns and a run event's runId not at all, and reads both back", async () => {
    const runId = randomUUID();
    const metadata = metadataOf();
    const taskId = randomUUID();
    const e: NewEvent = {
      id: randomUUID(),
      type: 'ChunksReceived',
      data: { runId, taskId, chunks: [{ seq: 0, kind: 'text', text: 'hi', offsetMs: 5 }] },
      metadata,
    };
    const [back] = await roundTrip(`run-${runId}`, [e]);
    expect(JSON.stringify(back.data)).toBe(JSON.stringify(e.data));
    expect(JSON.stringify(back.metadata)).toBe(JSON.stringify(metadata));
    const row = await rowOf(e.id);
    expect(row).toMatchObject({ metadata: '{}', data_layout: 2, user_id: metadata.userId, task_id: taskId });
    expect(row.data).toBe('[[0,"text","hi",5]]');
    expect(row.data).not.toContain(runId);
    expect(row.payload_hash.toString('base64url')).toBe(metadata.payloadHash);
    expect(row.payload_hash).toHaveLength(24);
    expect(Number(row.recorded_at)).toBe(Date.parse(metadata.recordedAt));
  });

  it('keeps verbatim what would not read back the same', async () => {
    const runId = randomUUID();
    const cases: Array<Record<string, unknown>> = [
      { ...metadataOf(), userId: randomUUID().toUpperCase() }, // PostgreSQL would give it back in lowercase
      metadataOf({ recordedAt: '2026-11-30T19:21:22Z' }), // no milliseconds: toISOString() would add them
      metadataOf({ recordedAt: '2026-11-30T20:21:22.123+01:00' }),
      metadataOf({ recordedAt: '+010000-01-01T00:00:00.000Z' }), // toISOString's form; PostgreSQL's to_char differs
      metadataOf({ recordedAt: '0000-12-31T23:59:59.999Z' }),
      { ...metadataOf(), toJSON: 1 }, // a toJSON key that is no function: still more than the six keys' layout knows
      metadataOf({ schemaVersion: 40000 }), // beyond smallint
      metadataOf({ schemaVersion: 1.5 }),
      metadataOf({ payloadHash: 'ABC' }), // decodes to 2 bytes, which encode as 'ABA'
      metadataOf({ payloadHash: 'r_w8yfqgiguYrdFW43XjQoCjsmSDjtx=' }),
      metadataOf({ command: 'a\ud800b' }), // a lone surrogate: UTF-8 text would make it U+FFFD
      {
        commandId: randomUUID(),
        userId: randomUUID(),
        recordedAt: '2026-11-30T19:21:22.123Z',
        schemaVersion: 4,
      },
      { recordedAt: '2026-11-30T19:21:22.123Z', schemaVersion: 4 },
    ];
    class Envelope {
      constructor(readonly fields: object) {
        Object.assign(this, fields);
      }
    }
    cases.push(new Envelope(metadataOf()) as unknown as Record<string, unknown>); // not a plain object
    const events: NewEvent[] = cases.map((metadata) => ({
      id: randomUUID(),
      type: 'Anything',
      data: { runId },
      metadata: metadata as unknown as NewEvent['metadata'],
    }));
    // the lone surrogate one is refused as before (jsonb could not hold it); the others are stored
    const surrogate = (e: NewEvent) => (e.metadata as unknown as { command?: string }).command === 'a\ud800b';
    const storable = events.filter((e) => !surrogate(e));
    const back = await roundTrip(`run-${runId}`, storable);
    expect(back.map((b) => JSON.stringify(b.metadata))).toEqual(
      storable.map((e) => JSON.stringify(e.metadata)),
    );
    for (const e of storable) expect((await rowOf(e.id)).user_id).toBeNull();
    await expect(roundTrip(`run-${runId}`, events.filter(surrogate))).rejects.toThrow(/surrogate/);
  });

  it('keeps the keys after the six, a __proto__ key included, in their order', async () => {
    const runId = randomUUID();
    const metadata = JSON.parse(
      JSON.stringify(metadataOf()).replace(/}$/, ',"zeta":1,"__proto__":{"x":1},"alpha":[true,null]}'),
    );
    const e: NewEvent = { id: randomUUID(), type: 'X', data: { runId }, metadata };
    const [back] = await roundTrip(`run-${runId}`, [e]);
    expect(JSON.stringify(back.metadata)).toBe(JSON.stringify(metadata));
    expect(Object.getPrototypeOf(back.metadata)).toBe(Object.prototype);
    expect((await rowOf(e.id)).metadata).toBe('{"zeta":1,"__proto__":{"x":1},"alpha":[true,null]}');
    expect(JSON.stringify(back.data)).toBe(`{"runId":"${runId}"}`);
  });

  it('leaves runId in when it is not first, not the stream’s, or not a run stream', async () => {
    const runId = randomUUID();
    const other = randomUUID();
    const data = [
      { taskId: other, runId },
      { runId: other, x: 1 },
      { runIdX: runId },
      { runId, nested: { runId } },
    ];
    const events: NewEvent[] = data.map((d) => ({
      id: randomUUID(),
      type: 'X',
      data: d,
      metadata: metadataOf() as NewEvent['metadata'],
    }));
    const back = await roundTrip(`run-${runId}`, events);
    expect(back.map((b) => JSON.stringify(b.data))).toEqual(data.map((d) => JSON.stringify(d)));
    expect((await Promise.all(events.map((e) => rowOf(e.id)))).map((r) => r.data_layout)).toEqual([
      null,
      null,
      null,
      1,
    ]);
    const budget = { id: randomUUID(), type: 'X', data: { runId }, metadata: metadataOf() } as NewEvent;
    const [b] = await roundTrip(`budget-${runId}`, [budget]);
    expect(b.data).toEqual({ runId });
    expect((await rowOf(budget.id)).data_layout).toBeNull();
  });

  it('packs text chunks and keeps every other chunk, and every other batch shape, as it was', async () => {
    const runId = randomUUID();
    const taskId = randomUUID();
    const chunks = [
      { seq: 0, kind: 'text', text: 'a "quoted" \\ line\n', offsetMs: 0 },
      { seq: 1, kind: 'tool_call', payload: { name: 'search', args: { q: 'x' } }, offsetMs: 12.5 },
      { kind: 'text', seq: 2, text: 'keys in another order', offsetMs: 13 },
      { seq: 3, kind: 'text', text: 'an extra key', offsetMs: 14, x: 1 },
      { seq: 4, kind: 'text', text: '😀 é', offsetMs: -0 },
    ];
    const shapes: Array<Record<string, unknown>> = [
      { runId, taskId, chunks },
      { runId, taskId, chunks: [] },
      { runId, taskId: taskId.toUpperCase(), chunks }, // PostgreSQL would lowercase it
      { taskId, runId, chunks },
      { runId, taskId, chunks, more: true },
      { runId, taskId, chunks: [[1, 'text', 'an array chunk', 2]] }, // would read back as an object
      { runId: randomUUID(), taskId, chunks }, // another run's
    ];
    const events: NewEvent[] = shapes.map((data) => ({
      id: randomUUID(),
      type: 'ChunksReceived',
      data,
      metadata: metadataOf() as NewEvent['metadata'],
    }));
    const back = await roundTrip(`run-${runId}`, events);
    expect(back.map((b) => JSON.stringify(b.data))).toEqual(shapes.map((d) => JSON.stringify(d)));
    const rows = await Promise.all(events.map((e) => rowOf(e.id)));
    expect(rows.map((r) => r.data_layout)).toEqual([2, 2, 1, null, 1, 1, null]);
    expect(JSON.parse(rows[0].data)).toEqual([
      [0, 'text', chunks[0].text, 0],
      chunks[1],
      chunks[2],
      chunks[3],
      [4, 'text', '😀 é', 0],
    ]);
  });

  it('reads back every appended event as it was (property)', async () => {
    const uuid = fc.uuid().map((u) => u.toLowerCase());
    // The whole range of Date, years before 0001 and after 9999 included (those stay verbatim).
    const iso = fc
      .oneof(
        fc.integer({ min: -8.64e15, max: 8.64e15 }),
        fc.integer({ min: -62_135_596_800_000 - 1000, max: -62_135_596_800_000 + 1000 }),
        fc.integer({ min: 253_402_300_799_999 - 1000, max: 253_402_300_799_999 + 1000 }),
        fc.integer({ min: 0, max: 4_102_444_800_000 }),
      )
      .map((ms) => new Date(ms).toISOString());
    const metadata = fc.oneof(
      fc.record({
        userId: uuid,
        commandId: uuid,
        recordedAt: iso,
        schemaVersion: fc.integer({ min: -32768, max: 32767 }),
        command: fc.oneof(fc.string(), fc.string({ unit: 'binary' })),
        payloadHash: fc.oneof(
          fc.uint8Array({ maxLength: 32 }).map((b) => Buffer.from(b).toString('base64url')),
          fc.string(),
        ),
      }),
      fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 })),
    );
    // A chunk batch (the run id is put first below): text chunks, and chunks that are not.
    const chunk = fc.oneof(
      fc.record({
        seq: fc.oneof(fc.integer(), fc.double()),
        kind: fc.string(),
        text: fc.oneof(fc.string(), fc.string({ unit: 'binary' })),
        offsetMs: fc.oneof(fc.integer(), fc.double()),
      }),
      fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 })),
      fc.jsonValue({ maxDepth: 1 }),
    );
    const batch = fc.record({
      taskId: fc.oneof(uuid, fc.string()),
      chunks: fc.array(chunk, { maxLength: 4 }),
    });
    await fc.assert(
      fc.asyncProperty(
        uuid,
        fc.array(
          fc.tuple(
            metadata,
            fc.oneof(fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 })), batch),
            fc.boolean(),
          ),
          {
            minLength: 1,
            maxLength: 5,
          },
        ),
        async (runId, specs) => {
          const events: NewEvent[] = specs.map(([m, d, withRunId]) => ({
            id: randomUUID(),
            type: 'P',
            data: withRunId ? { runId, ...d } : d,
            metadata: m as unknown as NewEvent['metadata'],
          }));
          // Only what JSON can carry is compared: a value JSON drops (-0, undefined) is not a layout question.
          const json = (v: unknown) => JSON.stringify(v);
          let back;
          try {
            back = await roundTrip(`run-${runId}`, events);
          } catch (error) {
            // refused as before: NUL or a lone surrogate somewhere in the JSON
            expect(String(error)).toMatch(/NUL or a lone UTF-16 surrogate/);
            return;
          }
          expect(back.map((b) => json(b.data))).toEqual(events.map((e) => json(e.data)));
          expect(back.map((b) => json(b.metadata))).toEqual(events.map((e) => json(e.metadata)));
          // The SQL view of the log gives the same JSON text.
          const { rows } = await db.pool.query(
            `SELECT data::text AS data, metadata::text AS metadata FROM event_log WHERE event_id = ANY($1::uuid[])
             ORDER BY stream_revision`,
            [events.map((e) => e.id)],
          );
          expect(rows).toEqual(events.map((e) => ({ data: json(e.data), metadata: json(e.metadata) })));
        },
      ),
      { numRuns: 150 },
    );
    // Both layouts were exercised.
    const { rows } = await db.pool.query(
      `SELECT count(*) FILTER (WHERE user_id IS NOT NULL)::int AS typed, count(*) FILTER (WHERE user_id IS NULL)::int AS verbatim,
              count(*) FILTER (WHERE data_layout = 1)::int AS left_out,
              count(*) FILTER (WHERE data_layout = 2)::int AS packed FROM events WHERE type = 'P'`,
    );
    expect(rows[0].typed).toBeGreaterThan(20);
    expect(rows[0].verbatim).toBeGreaterThan(20);
    expect(rows[0].left_out).toBeGreaterThan(20);
    expect(rows[0].packed).toBeGreaterThan(20);
  });
});

describe('migrations down through …012', () => {
  it('puts every row back as verbatim JSON with the text appended, and up again reads the same events', async () => {
    const db = await createTestDatabase();
    const store = new PostgresEventStore(db.pool, db.url);
    try {
      const runId = randomUUID();
      const metadata = {
        userId: randomUUID(),
        commandId: randomUUID(),
        recordedAt: '0001-01-01T00:00:00.001Z',
        schemaVersion: 4,
        command: 'task.chunk "x"\n',
        payloadHash: digest({ a: 1 }),
      };
      const events: NewEvent[] = [
        {
          runId,
          taskId: randomUUID(),
          chunks: [{ seq: 0, kind: 'text', text: 'é"\\', offsetMs: 1 }, null, 7],
        },
        { runId, x: 1 },
        { runId },
        { other: runId },
      ].map((data, i) => ({
        id: randomUUID(),
        type: 'X',
        data,
        metadata: (i === 3
          ? { recordedAt: 'now' }
          : { ...metadata, ...(i === 1 ? { extra: [1] } : {}) }) as never,
      }));
      await store.appendToStream(`run-${runId}`, events, -1);
      const appended = events.map((e) => ({
        data: JSON.stringify(e.data),
        metadata: JSON.stringify(e.metadata),
      }));
      const layouts = await db.pool.query('SELECT data_layout FROM events ORDER BY stream_revision');
      expect(layouts.rows.map((r) => r.data_layout)).toEqual([2, 1, 1, null]);

      await runner({
        databaseUrl: db.url,
        dir: MIGRATIONS_DIR,
        direction: 'down',
        // …016 (the runs' activity column), …015 (the task rows' text tail), …014 (a trigger), …013 (a storage
        // setting of ai_tasks), then …012
        count: 5,
        migrationsTable: 'pgmigrations',
        log: () => undefined,
      });
      const { rows } = await db.pool.query(
        'SELECT data::text AS data, metadata::text AS metadata FROM events ORDER BY stream_revision',
      );
      expect(rows).toEqual(appended);

      await migrate(db.url);
      const back = await store.readStream(`run-${runId}`);
      expect(
        back.map((e) => ({ data: JSON.stringify(e.data), metadata: JSON.stringify(e.metadata) })),
      ).toEqual(appended);
    } finally {
      await store.close();
      await db.drop();
    }
  });
});
