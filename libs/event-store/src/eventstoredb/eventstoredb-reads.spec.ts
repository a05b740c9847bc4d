import { randomUUID } from 'node:crypto';
import { StoreUnavailable, type NewEvent, type RecordedEvent } from '../event-store.port';
import { FakeEsdbClient } from '../../test/fake-esdb-client';
import { EventStoreDbEventStore, StreamDeleted } from './eventstoredb-event-store';

/**
 * Reads of the EventStoreDB adapter over a stub of the client (no server runs here): every call is closed,
 * reads have deadlines and go to the leader, and erased events still in `$all` are skipped. The same
 * behaviour against a real server: eventstoredb.contract-extra.ts.
 */

const userId = randomUUID();
function event(type = 'RunRenamed', commandId = randomUUID()): NewEvent {
  return {
    id: randomUUID(),
    type,
    data: { runId: randomUUID() },
    metadata: { userId, commandId, recordedAt: new Date(0).toISOString(), schemaVersion: 1 },
  };
}
const run = () => `run-${randomUUID()}`;

function setup(options: { readDeadlineMs?: number } = {}) {
  const fake = new FakeEsdbClient();
  const store = new EventStoreDbEventStore(fake.client, options);
  return { fake, store };
}

/** A record written by something else than the ledger (system events, other streams). */
function foreign(fake: FakeEsdbClient, streamId: string, type = 'Other') {
  return fake.record({ streamId, id: randomUUID(), type, data: {}, metadata: {}, isJson: true });
}

describe('EventStoreDB adapter reads (client stub)', () => {
  it('closes every read call, including reads that stop early (headPosition, readAll with a limit, maxCount)', async () => {
    const { fake, store } = setup();
    const s = run();
    await store.appendToStream(s, [event('A'), event('B'), event('C')], -1);
    foreign(fake, '$stats-node', '$statsCollected');
    foreign(fake, 'orders-1');

    const head = await store.headPosition();
    expect(await store.readAll(null, 1)).toHaveLength(1);
    expect(await store.readStream(s, { maxCount: 1 })).toHaveLength(1);
    expect(await store.streamRevision(s)).toBe(2);
    expect(await store.readStream(s)).toHaveLength(3);

    expect(head).toEqual(fake.log.find((r) => r.type === 'C')!.position);
    expect(fake.reads.length).toBeGreaterThan(4);
    expect(fake.reads.filter((r) => !r.cancelled)).toEqual([]);
  });

  it('cancels a read that gets no answer within its deadline, and reports the store unavailable', async () => {
    const { fake, store } = setup({ readDeadlineMs: 20 });
    fake.hangReads = true;
    await expect(store.readStream(run())).rejects.toBeInstanceOf(StoreUnavailable);
    await expect(store.headPosition()).rejects.toThrow(/no answer within 20 ms/);
    expect(fake.reads).toHaveLength(2);
    expect(fake.reads.every((r) => r.cancelled && r.destroyed)).toBe(true);
  });

  it('pages a long stream in calls of at most 500 events, all from the leader', async () => {
    const { fake, store } = setup();
    const s = run();
    const events = Array.from({ length: 1_203 }, () => event('ChunkReceived'));
    await store.appendToStream(s, events, -1);
    const read = await store.readStream(s);
    expect(read.map((e) => e.id)).toEqual(events.map((e) => e.id));
    const calls = fake.calls.filter((c) => c.method === 'readStream' && c.stream === s);
    expect(calls.map((c) => c.options.maxCount)).toEqual([500, 500, 500]);
    expect(calls.every((c) => c.options.requiresLeader === true)).toBe(true);
  });

  it('gives the newest RUN event as the head, never a later system record a subscription would not deliver', async () => {
    const { fake, store } = setup();
    expect(await store.headPosition()).toBeNull();
    await store.appendToStream(run(), [event('A')], -1);
    const last = fake.log[fake.log.length - 1];
    for (let i = 0; i < 1_200; i++) foreign(fake, '$stats-node', '$statsCollected');
    expect(await store.headPosition()).toEqual(last.position);
  });

  it('answers a lag of 0 from positions alone, and counts at most up to the head', async () => {
    const { fake, store } = setup();
    const s = run();
    await store.appendToStream(s, [event('A'), event('B'), event('C')], -1);
    const head = await store.headPosition();
    const before = fake.calls.filter(
      (c) => c.method === 'readAll' && c.options.direction !== 'backwards',
    ).length;
    expect(await store.countAfter(head)).toBe(0);
    expect(
      fake.calls.filter((c) => c.method === 'readAll' && c.options.direction !== 'backwards').length,
    ).toBe(before);
    expect(await store.countAfter(null)).toBe(3);
    expect(await store.countAfter(null, 2)).toBe(2);
  });

  describe('erased events, which `$all` returns until a scavenge', () => {
    const ofStream = (events: RecordedEvent[], s: string) =>
      events.filter((e) => e.streamId === s).map((e) => e.type);

    it('skips the events before the tombstone of an erased run, in readAll', async () => {
      const { fake, store } = setup();
      const [erased, kept] = [run(), run()];
      await store.appendToStream(erased, [event('RunStarted'), event('TaskCreated')], -1);
      await store.appendToStream(kept, [event('RunStarted')], -1);
      await store.appendToStream(erased, [event('ChunkReceived')], 1);
      await store.eraseStream(erased, event('RunDeleted'));

      expect(fake.log.filter((r) => r.streamId === erased)).toHaveLength(4); // all still in $all
      const all = await store.readAll(null, 100);
      expect(ofStream(all, erased)).toEqual(['RunDeleted']);
      expect(ofStream(all, kept)).toEqual(['RunStarted']);
    });

    it('still skips them after a partial scavenge removed only the run start', async () => {
      const { fake, store } = setup();
      const s = run();
      await store.appendToStream(s, [event('RunStarted'), event('TaskCreated'), event('ChunkReceived')], -1);
      await store.eraseStream(s, event('RunDeleted'));
      fake.log.splice(
        fake.log.findIndex((r) => r.streamId === s && r.type === 'RunStarted'),
        1,
      );
      const types: string[] = [];
      for (let after = null as RecordedEvent['position'] | null; ;) {
        const page = await store.readAll(after, 1); // one event per page: the lookups carry over pages
        if (page.length === 0) break;
        types.push(...ofStream(page, s));
        after = page[page.length - 1].position;
      }
      expect(types).toEqual(['RunDeleted']);
    });

    it('skips every event of a stream soft-deleted from outside, and refuses to read it as a new run', async () => {
      const { fake, store } = setup();
      const s = run();
      await store.appendToStream(s, [event('RunStarted')], -1);
      fake.softDelete(s);
      expect(ofStream(await store.readAll(null, 100), s)).toEqual([]);
      await expect(store.readStream(s)).rejects.toEqual(new StreamDeleted(s, 'soft'));
      expect(await store.readStream(run())).toEqual([]); // a stream that never existed is new
    });

    it('refuses a hard-deleted stream with a typed error', async () => {
      const { fake, store } = setup();
      const s = run();
      await store.appendToStream(s, [event('RunStarted')], -1);
      fake.tombstoned.add(s);
      await expect(store.readStream(s)).rejects.toEqual(new StreamDeleted(s, 'hard'));
      await expect(store.appendToStream(s, [event('RunRenamed')], 0)).rejects.toEqual(
        new StreamDeleted(s, 'hard'),
      );
    });
  });

  describe('subscriptions', () => {
    it('delivers a run event with metadata the ledger cannot read once, without resubscribing, and skips erased events', async () => {
      const { fake, store } = setup();
      const [erased, s] = [run(), run()];
      await store.appendToStream(erased, [event('RunStarted'), event('TaskCreated')], -1);
      await store.eraseStream(erased, event('RunDeleted'));
      const errors: unknown[] = [];
      const seen: RecordedEvent[] = [];
      let resolve!: () => void;
      const done = new Promise<void>((r) => (resolve = r));
      const sub = store.subscribeToAll(
        null,
        async ({ events }) => {
          seen.push(...events);
          if (events.some((e) => e.streamId === s && e.type === 'RunRenamed')) resolve();
        },
        { onError: (e) => errors.push(e) },
      );
      fake.record({
        streamId: s,
        id: randomUUID(),
        type: 'RunStarted',
        data: {},
        metadata: new Uint8Array([0x7b]),
        isJson: true,
      });
      await store.appendToStream(s, [event('RunRenamed')], 0);
      await done;
      await sub.stop();

      expect(errors).toEqual([]);
      expect(fake.calls.filter((c) => c.method === 'subscribeToAll')).toHaveLength(1);
      expect(seen.filter((e) => e.streamId === s).map((e) => [e.type, e.metadata === null])).toEqual([
        ['RunStarted', true],
        ['RunRenamed', false],
      ]);
      expect(seen.filter((e) => e.streamId === erased).map((e) => e.type)).toEqual(['RunDeleted']);
    });
  });
});
