import { START, streamNameFilter, type AllStreamSubscription } from '@eventstore/db-client';
import { WakeableSleep } from '@ledger/async';
import {
  StoreUnavailable,
  WrongExpectedRevision,
  type AllBatch,
  type SubscribeOptions,
  type Subscription,
  type GlobalPosition,
  type RecordedEvent,
} from '../event-store.port';
import { toPortError } from './eventstoredb-errors';
import {
  RUN_STREAM_PREFIX,
  isAfter,
  toEsdbPosition,
  toGlobalPosition,
  toRecordedEvent,
} from './eventstoredb-mapping';
import { FirstReadableRevisions, type EsdbClient } from './eventstoredb-reads';

import { restOfInterval } from '../batch-interval';

const MAX_BACKOFF_MS = 5_000;

/**
 * A catch-up subscription to `$all`, filtered on the server to `run-` streams. Events are batched (up to
 * `batchSize`, or whatever has arrived when the buffer runs dry); the server's `checkpointReached` moves the
 * checkpoint on across filtered-out records (delivered as a batch without events). Events of erased streams
 * still in `$all` (before a scavenge) are left out, like `readAll` does. After a drop, or a handler's failure,
 * it resubscribes from the last delivered checkpoint, with exponential backoff. An event the ledger cannot
 * have written is delivered as stored (toRecordedEvent), never retried forever here.
 */
export function subscribeToAll(
  client: EsdbClient,
  firstReadable: (streamId: string) => Promise<number>,
  after: GlobalPosition | null,
  handler: (batch: AllBatch) => Promise<void>,
  options: SubscribeOptions = {},
): Subscription {
  const batchSize = Math.max(1, options.batchSize ?? 1000);
  const prefix = options.streamPrefix ?? RUN_STREAM_PREFIX;
  let position = after;
  let stopped = false;
  let current: AllStreamSubscription | null = null;
  const sleeper = new WakeableSleep();
  const halt = new AbortController();
  let chain: Promise<void> = Promise.resolve();

  /** Batches go to the handler one at a time, in order, whichever path (events or checkpoints) produced them. */
  const deliver = (batch: AllBatch): Promise<void> => {
    const run = chain.then(async () => {
      if (stopped) return;
      if (!isAfter(batch.checkpoint, position)) return;
      await handler(batch);
      position = batch.checkpoint;
    });
    chain = run.catch(() => undefined);
    return run;
  };

  const runOnce = async (onConfirmed: () => void): Promise<void> => {
    let pending: RecordedEvent[] = [];
    let inFlight = 0;
    const readable = new FirstReadableRevisions(firstReadable);
    const sub = client.subscribeToAll({
      fromPosition: position ? toEsdbPosition(position) : START,
      filter: streamNameFilter({
        prefixes: [prefix],
        checkpointReached: async (s, p) => {
          // Only when no event is in flight: a checkpoint must never pass an undelivered event.
          if (pending.length > 0 || inFlight > 0 || s.readableLength > 0) return;
          try {
            await deliver({ events: [], checkpoint: toGlobalPosition(p) });
          } catch (error) {
            s.destroy(error instanceof Error ? error : new Error(String(error)));
          }
        },
      }),
    });
    current = sub;
    sub.once('confirmation', onConfirmed);
    try {
      for await (const resolved of sub) {
        inFlight += 1;
        const e = toRecordedEvent(resolved);
        if (e && e.streamId.startsWith(prefix) && isAfter(e.position, position) && (await readable.keep(e)))
          pending.push(e);
        inFlight -= 1;
        if (pending.length >= batchSize || (pending.length > 0 && sub.readableLength === 0)) {
          const events = pending;
          pending = [];
          const started = Date.now();
          await deliver({ events, checkpoint: events[events.length - 1].position });
          // Meanwhile the subscription buffers what arrives: the next batch takes it all.
          await restOfInterval(started, options.minBatchIntervalMs, halt.signal);
        }
      }
    } finally {
      current = null;
      await sub.unsubscribe().catch(() => undefined);
    }
  };

  const loop = (async () => {
    let attempt = 0;
    while (!stopped) {
      try {
        await runOnce(() => {
          attempt = 0;
        });
        if (stopped) break;
        throw new StoreUnavailable('EventStoreDB ended the subscription');
      } catch (error) {
        if (stopped) break;
        options.onError?.(
          error instanceof WrongExpectedRevision || error instanceof StoreUnavailable
            ? error
            : toPortError(error, '$all', 'any'),
        );
        attempt += 1;
        await sleeper.sleep(Math.min(100 * 2 ** attempt, MAX_BACKOFF_MS));
      }
    }
  })();

  return {
    stop: async () => {
      stopped = true;
      sleeper.wake();
      halt.abort();
      const sub = current;
      if (sub) {
        await sub.unsubscribe().catch(() => undefined);
        sub.destroy();
      }
      await loop;
      await chain;
    },
  };
}
