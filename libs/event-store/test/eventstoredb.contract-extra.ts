import { randomUUID } from 'node:crypto';
import { EventStoreDBClient, NO_STREAM, binaryEvent, jsonEvent } from '@eventstore/db-client';
import type { GlobalPosition, RecordedEvent } from '@ledger/event-store';
import {
  DuplicateEventId,
  WrongExpectedRevision,
  comparePositions,
  type NewEvent,
} from '../src/event-store.port';
import {
  AppendTooLarge,
  EventStoreDbEventStore,
  StreamDeleted,
} from '../src/eventstoredb/eventstoredb-event-store';

/**
 * What only a real EventStoreDB can show, beyond the shared contract (event-store.contract.ts): the faults of
 * issue 20, each as the server would expose it. Runs from eventstoredb-event-store.int-spec.ts when a server
 * is reachable (EVENTSTORE_URL or Docker); the same rules over a client stub run everywhere in
 * src/eventstoredb/*.spec.ts.
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

export interface ExtraHarness {
  readonly url: string;
  teardown(): Promise<void>;
}

export function eventStoreDbExtraContract(setup: () => Promise<ExtraHarness>): void {
  describe('EventStoreDB: what a real server shows (issue 20)', () => {
    let h: ExtraHarness;
    let store: EventStoreDbEventStore;
    let raw: EventStoreDBClient;
    beforeAll(async () => {
      h = await setup();
      store = await EventStoreDbEventStore.connect(h.url, { timeoutMs: 10_000 });
      raw = EventStoreDBClient.connectionString(h.url);
    });
    afterAll(async () => {
      await store?.close();
      await raw?.dispose();
      await h?.teardown();
    });

    const untilBatch = (
      after: GlobalPosition | null,
      done: (seen: RecordedEvent[], checkpoint: GlobalPosition) => boolean,
    ) =>
      new Promise<RecordedEvent[]>((resolve, reject) => {
        const seen: RecordedEvent[] = [];
        const sub = store.subscribeToAll(
          after,
          async ({ events, checkpoint }) => {
            seen.push(...events);
            if (done(seen, checkpoint)) void sub.stop().then(() => resolve(seen));
          },
          { onError: (error) => void sub.stop().then(() => reject(error)) },
        );
      });

    it('closes early-stopped reads: 600 of them leave appends and subscriptions working', async () => {
      const s = run();
      await store.appendToStream(
        s,
        Array.from({ length: 50 }, () => event('ChunkReceived')),
        -1,
      );
      for (let i = 0; i < 300; i++) {
        await store.headPosition();
        await store.readStream(s, { maxCount: 1 });
      }
      const start = await store.headPosition();
      await store.appendToStream(s, [event('RunRenamed')], 49);
      const seen = await untilBatch(start, (events) => events.some((e) => e.streamId === s));
      expect(seen.filter((e) => e.streamId === s).map((e) => e.type)).toEqual(['RunRenamed']);
    });

    it('cuts an append over MaxAppendSize (1 MiB) into appends the server takes, in order', async () => {
      const s = run();
      const events = Array.from({ length: 30 }, () =>
        event('ChunkReceived', randomUUID(), 'x'.repeat(100_000)),
      );
      expect(await store.appendToStream(s, events, -1)).toEqual({ nextRevision: 29 });
      expect((await store.readStream(s)).map((e) => e.id)).toEqual(events.map((e) => e.id));
    });

    it('refuses one event over MaxAppendSize with AppendTooLarge', async () => {
      const s = run();
      const huge = event('TaskCreated', randomUUID(), 'y'.repeat(1_100_000));
      await expect(store.appendToStream(s, [huge], -1)).rejects.toBeInstanceOf(AppendTooLarge);
      // and the server's own refusal maps the same way, when the adapter is told a larger limit
      const lax = await EventStoreDbEventStore.connect(h.url, { maxAppendBytes: 8 * 1_048_576 });
      await expect(lax.appendToStream(s, [huge], -1)).rejects.toBeInstanceOf(AppendTooLarge);
      await lax.close();
    });

    it('the server itself writes an event id already stored in another stream (a declared difference)', async () => {
      const [a, b] = [run(), run()];
      const e = jsonEvent({ id: randomUUID(), type: 'RunStarted', data: {} });
      await raw.appendToStream(a, e, { expectedRevision: NO_STREAM });
      await raw.appendToStream(b, e, { expectedRevision: NO_STREAM });
      const inB: string[] = [];
      for await (const r of raw.readStream(b)) if (r.event) inB.push(r.event.id);
      expect(inB).toEqual([e.id]);
    });

    it('the adapter refuses a commandId reused on another run, after a restart too (command index)', async () => {
      const commandId = randomUUID();
      const [a, b] = [run(), run()];
      await store.appendToStream(a, [event('RunStarted', commandId)], -1);
      const restarted = await EventStoreDbEventStore.connect(h.url);
      try {
        await expect(
          restarted.appendToStream(b, [event('RunStarted', commandId)], -1),
        ).rejects.toBeInstanceOf(DuplicateEventId);
        expect(await restarted.readStream(b)).toEqual([]);
        const again = await restarted.appendToStream(a, [event('RunRenamed', commandId)], 0);
        expect(again).toEqual({ nextRevision: 1 });
      } finally {
        await restarted.close();
      }
    });

    it('reports a retry deduped at its original revision as a conflict when the stream moved on', async () => {
      const s = run();
      const first = event('RunStarted');
      await store.appendToStream(s, [first], -1);
      await store.appendToStream(s, [event('RunRenamed')], 0);
      const retry = await store.appendToStream(s, [first], -1).catch((error) => error);
      expect(retry).toBeInstanceOf(WrongExpectedRevision);
      expect(retry).toMatchObject({ actual: 1 });
      expect(await store.readStream(s)).toHaveLength(2);
    });

    it('skips the events of an erased run that $all still holds, in readAll and in a subscription', async () => {
      const start = await store.headPosition();
      const s = run();
      await store.appendToStream(s, [event('RunStarted'), event('TaskCreated')], -1);
      await store.eraseStream(s, event('RunDeleted'));
      const page = await store.readAll(start, 1_000);
      expect(page.filter((e) => e.streamId === s).map((e) => e.type)).toEqual(['RunDeleted']);
      const seen = await untilBatch(start, (events) =>
        events.some((e) => e.type === 'RunDeleted' && e.streamId === s),
      );
      expect(seen.filter((e) => e.streamId === s).map((e) => e.type)).toEqual(['RunDeleted']);
    });

    it('refuses streams deleted from outside with StreamDeleted (soft: no restarted revisions; hard)', async () => {
      const [soft, hard] = [run(), run()];
      await store.appendToStream(soft, [event('RunStarted')], -1);
      await store.appendToStream(hard, [event('RunStarted')], -1);
      await raw.deleteStream(soft);
      await raw.tombstoneStream(hard);
      await expect(store.readStream(soft)).rejects.toBeInstanceOf(StreamDeleted);
      await expect(store.readStream(hard)).rejects.toBeInstanceOf(StreamDeleted);
      await expect(store.appendToStream(hard, [event('RunRenamed')], 0)).rejects.toBeInstanceOf(
        StreamDeleted,
      );
    });

    it('delivers a run event with unreadable metadata to the subscriber once, without resubscribing', async () => {
      const start = await store.headPosition();
      const s = run();
      await raw.appendToStream(
        s,
        binaryEvent({ type: 'RunStarted', data: new Uint8Array([1]), metadata: new Uint8Array([0x7b]) }),
      );
      const errors: unknown[] = [];
      const seen = await new Promise<RecordedEvent[]>((resolve) => {
        const sub = store.subscribeToAll(
          start,
          async ({ events }) => {
            if (events.some((e) => e.streamId === s)) void sub.stop().then(() => resolve([...events]));
          },
          { onError: (error) => errors.push(error) },
        );
      });
      expect(errors).toEqual([]);
      expect(seen.find((e) => e.streamId === s)).toMatchObject({
        type: 'RunStarted',
        data: null,
        metadata: null,
      });
    });

    it('gives a head a subscription reaches (a run event), and a lag of 0 there', async () => {
      const start = await store.headPosition();
      const s = run();
      await store.appendToStream(s, [event('RunStarted'), event('RunRenamed')], -1);
      for (let i = 0; i < 5; i++)
        await raw.appendToStream(`other-${randomUUID()}`, jsonEvent({ type: 'X', data: {} }));
      const head = (await store.headPosition())!;
      expect((await store.readStream(s)).map((e) => e.position)).toContainEqual(head);
      expect(await store.countAfter(head)).toBe(0);
      expect(await store.countAfter(start)).toBeGreaterThanOrEqual(2);
      await untilBatch(start, (_, checkpoint) => comparePositions(checkpoint, head) >= 0);
    });
  });
}
