import { randomUUID } from 'node:crypto';
import { UnknownError } from '@eventstore/db-client';
import {
  DuplicateEventId,
  StoreUnavailable,
  WrongExpectedRevision,
  type NewEvent,
} from '../event-store.port';
import { FakeEsdbClient } from '../../test/fake-esdb-client';
import { AppendTooLarge, EventStoreDbEventStore } from './eventstoredb-event-store';
import { COMMAND_INDEX_PREFIX } from './eventstoredb-command-index';

/**
 * Appends of the EventStoreDB adapter over a stub of the client (no server runs here): cut under
 * MaxAppendSize, commandIds indexed across runs and restarts, errors typed, a deduped retry checked against
 * the stream head. The same against a real server: eventstoredb.contract-extra.ts.
 */

const userId = randomUUID();
function event(type = 'RunRenamed', commandId = randomUUID(), text = ''): NewEvent {
  return {
    id: randomUUID(),
    type,
    data: { runId: randomUUID(), text },
    metadata: { userId, commandId, recordedAt: new Date(0).toISOString(), schemaVersion: 1 },
  };
}
const run = () => `run-${randomUUID()}`;
const credentials = { username: 'ledger', password: 'unused-on-an-insecure-node' };

describe('EventStoreDB adapter appends (client stub)', () => {
  it('cuts a burst over MaxAppendSize into ordered appends under it, whole commands each', async () => {
    const fake = new FakeEsdbClient();
    fake.maxAppendSize = 10_000;
    const store = new EventStoreDbEventStore(fake.client, { maxAppendBytes: 10_000 });
    const s = run();
    const commands = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    const events = commands.flatMap((c) => [
      event('ChunkReceived', c, 'x'.repeat(1_500)),
      event('ChunkReceived', c, 'y'.repeat(1_500)),
    ]);
    const result = await store.appendToStream(s, events, -1);

    expect(result).toEqual({ nextRevision: 7 });
    expect((await store.readStream(s)).map((e) => e.id)).toEqual(events.map((e) => e.id));
    const appends = fake.calls.filter((c) => c.method === 'appendToStream' && c.stream === s);
    expect(appends.length).toBeGreaterThan(1);
    expect(appends.map((c) => c.events! % 2)).toEqual(appends.map(() => 0)); // never half a command
    expect(appends.map((c) => c.options.expectedRevision)).toEqual([
      'no_stream',
      ...appends
        .slice(1)
        .map((_, i) => BigInt(appends.slice(0, i + 1).reduce((n, c) => n + c.events!, 0) - 1)),
    ]);
  });

  it('lets a retry of a cut append through as a whole, writing nothing again', async () => {
    const fake = new FakeEsdbClient();
    fake.maxAppendSize = 10_000;
    const store = new EventStoreDbEventStore(fake.client, { maxAppendBytes: 10_000 });
    const s = run();
    const events = Array.from({ length: 8 }, () => event('ChunkReceived', randomUUID(), 'x'.repeat(3_000)));
    expect(await store.appendToStream(s, events, -1)).toEqual({ nextRevision: 7 });
    expect(await store.appendToStream(s, events, -1)).toEqual({ nextRevision: 7 });
    expect(fake.log.filter((r) => r.streamId === s)).toHaveLength(8);
  });

  it('refuses an event larger than the limit with AppendTooLarge before writing anything', async () => {
    const fake = new FakeEsdbClient();
    const store = new EventStoreDbEventStore(fake.client, { maxAppendBytes: 4_096 });
    const s = run();
    const error = await store
      .appendToStream(s, [event('TaskCreated', randomUUID(), 'z'.repeat(5_000))], -1)
      .catch((e) => e);
    expect(error).toBeInstanceOf(AppendTooLarge);
    expect(error).toMatchObject({ streamId: s, maxAppendBytes: 4_096 });
    expect(fake.calls.filter((c) => c.method === 'appendToStream')).toEqual([]);
  });

  it("maps the server's MaxAppendSizeExceeded (a server limit below the adapter's) to AppendTooLarge", async () => {
    const fake = new FakeEsdbClient();
    fake.maxAppendSize = 1_000;
    const store = new EventStoreDbEventStore(fake.client);
    const results = await store.appendMany([
      {
        streamId: run(),
        expectedRevision: -1,
        events: [event('TaskCreated', randomUUID(), 'z'.repeat(2_000))],
      },
    ]);
    expect(results[0]).toBeInstanceOf(AppendTooLarge);
    expect(results[0]).toMatchObject({ maxAppendBytes: 1_000 });
  });

  it('answers "Server Is Busy" (an unknown error to the client) as StoreUnavailable, the transient error', async () => {
    const fake = new FakeEsdbClient();
    const store = new EventStoreDbEventStore(fake.client);
    const s = run();
    await store.appendToStream(s, [event()], -1);
    fake.failAppends.push(new UnknownError(undefined, 'Could not recognize Server Is Busy'));
    const [result] = await store.appendMany([{ streamId: s, expectedRevision: 0, events: [event()] }]);
    expect(result).toBeInstanceOf(StoreUnavailable);
  });

  it('sends every append with credentials (the unary Append, not the batch-append table) and requiresLeader', async () => {
    const fake = new FakeEsdbClient();
    const store = new EventStoreDbEventStore(fake.client, { appendCredentials: credentials });
    const s = run();
    await store.appendToStream(s, [event()], -1);
    await store.eraseStream(s, event('RunDeleted'));
    const writes = fake.calls.filter(
      (c) => c.method === 'appendToStream' || c.method === 'setStreamMetadata',
    );
    expect(writes.length).toBeGreaterThanOrEqual(4); // run appends, command claims, the truncate-before
    expect(
      writes.every((c) => c.options.credentials === credentials && c.options.requiresLeader === true),
    ).toBe(true);
  });

  it('erases a run that other writers keep appending to, under the one retry policy (more than three conflicts)', async () => {
    const fake = new FakeEsdbClient();
    const store = new EventStoreDbEventStore(fake.client);
    const other = new EventStoreDbEventStore(fake.client);
    const s = run();
    await store.appendToStream(s, [event()], -1);
    // Another writer appends right after each of the erase's reads of the head, four times over.
    let interruptions = 4;
    const read = store.readStream.bind(store);
    jest.spyOn(store, 'readStream').mockImplementation(async (streamId, options) => {
      const events = await read(streamId, options);
      if (options?.direction === 'backwards' && interruptions-- > 0)
        await other.appendToStream(s, [event()], 'any');
      return events;
    });
    const tombstone = event('RunDeleted');
    await store.eraseStream(s, tombstone);
    expect(interruptions).toBeLessThan(0);
    expect((await read(s)).map((e) => e.id)).toEqual([tombstone.id]);
  });

  describe('command index: a commandId belongs to one run, across restarts', () => {
    it('refuses a commandId reused on another run, also from a new adapter (a restart), and writes nothing there', async () => {
      const fake = new FakeEsdbClient();
      const commandId = randomUUID();
      const [first, second] = [run(), run()];
      await new EventStoreDbEventStore(fake.client).appendToStream(
        first,
        [event('RunStarted', commandId)],
        -1,
      );

      const restarted = new EventStoreDbEventStore(fake.client);
      const reuse = restarted.appendToStream(second, [event('RunStarted', commandId)], -1);
      await expect(reuse).rejects.toEqual(new DuplicateEventId(second));
      expect(fake.log.filter((r) => r.streamId === second)).toEqual([]);
      expect(fake.log.filter((r) => r.streamId.startsWith(COMMAND_INDEX_PREFIX))).toHaveLength(1);
    });

    it('lets a retry of the same command on the same run through, and refuses only that stream in a group commit', async () => {
      const fake = new FakeEsdbClient();
      const store = new EventStoreDbEventStore(fake.client);
      const [a, b] = [run(), run()];
      const e = event('RunStarted');
      await store.appendToStream(a, [e], -1);
      expect(await new EventStoreDbEventStore(fake.client).appendToStream(a, [e], -1)).toEqual({
        nextRevision: 0,
      });
      const results = await new EventStoreDbEventStore(fake.client).appendMany([
        { streamId: b, expectedRevision: -1, events: [{ ...e, id: randomUUID() }] },
        { streamId: run(), expectedRevision: -1, events: [event('RunStarted')] },
      ]);
      expect(results[0]).toBeInstanceOf(DuplicateEventId);
      expect(results[1]).toEqual({ nextRevision: 0 });
    });
  });

  describe('a retry the server dedupes at its original revision', () => {
    it('returns the revision when the stream is still there', async () => {
      const fake = new FakeEsdbClient();
      const store = new EventStoreDbEventStore(fake.client);
      const s = run();
      const e = event();
      await store.appendToStream(s, [e], -1);
      expect(await store.appendToStream(s, [e], -1)).toEqual({ nextRevision: 0 });
      expect(fake.log.filter((r) => r.streamId === s)).toHaveLength(1);
    });

    it('reports a conflict with the real head when the stream moved on, instead of the stale revision', async () => {
      const fake = new FakeEsdbClient();
      const store = new EventStoreDbEventStore(fake.client);
      const s = run();
      const e = event();
      await store.appendToStream(s, [e], -1);
      await store.appendToStream(s, [event()], 0);
      const retry = await store.appendToStream(s, [e], -1).catch((error) => error);
      expect(retry).toBeInstanceOf(WrongExpectedRevision);
      expect(retry).toMatchObject({ streamId: s, actual: 1 });
      expect(fake.log.filter((r) => r.streamId === s)).toHaveLength(2);
    });
  });
});
