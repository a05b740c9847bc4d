import { Client } from 'pg';
import { WakeableSleep } from '@ledger/async';
import { restOfInterval } from '../batch-interval';
import type {
  AllBatch,
  SubscribeOptions,
  Subscription,
  GlobalPosition,
  RecordedEvent,
} from '../event-store.port';
import { EVENTS_CHANNEL } from './postgres-rows';

/** Waits after a failed read before the next one. */
const RETRY_MS = 500;
/** The longest wait between two looks at an idle log (the first waits are shorter: 10, 20, 40… ms). */
const IDLE_MAX_MS = 500;
/** How long a lost LISTEN connection waits before it is replaced. */
const RELISTEN_MS = 1000;

export interface SubscriptionSource {
  readAll(after: GlobalPosition | null, limit: number): Promise<RecordedEvent[]>;
  /** The connection string for LISTEN (absent: no cross-process wake-ups, only polling and local wakes). */
  readonly connectionString?: string;
  /** Registers a wake-up for appends of this process; returns its removal. */
  onLocalAppend(wake: () => void): () => void;
}

/**
 * A catch-up subscription: reads the log page by page after `after`, then polls, woken early by a NOTIFY from any
 * process's append (or by this process's own appends). Batches are delivered one at a time.
 */
export function subscribeToAll(
  source: SubscriptionSource,
  after: GlobalPosition | null,
  handler: (batch: AllBatch) => Promise<void>,
  options: SubscribeOptions = {},
): Subscription {
  const batchSize = options.batchSize ?? 1000;
  let position = after;
  let stopped = false;
  const sleeper = new WakeableSleep();
  const halt = new AbortController();
  const wake = () => sleeper.wake();
  const removeLocal = source.onLocalAppend(wake);
  const listener = listen(source.connectionString, wake, () => stopped);

  const loop = (async () => {
    let idle = 0;
    while (!stopped) {
      sleeper.reset();
      try {
        const started = Date.now();
        const events = await source.readAll(position, batchSize);
        if (events.length > 0) {
          const checkpoint = events[events.length - 1].position;
          await handler({ events, checkpoint });
          position = checkpoint;
          idle = 0;
          await restOfInterval(started, options.minBatchIntervalMs, halt.signal);
          continue;
        }
      } catch (error) {
        if (stopped) break;
        options.onError?.(error);
        await sleeper.sleep(RETRY_MS);
        continue;
      }
      // Nothing visible yet: a notified commit may still be behind an older open transaction, so look again soon.
      idle = Math.min(idle + 1, 6);
      await sleeper.sleep(idle < 6 ? 5 * 2 ** idle : IDLE_MAX_MS);
    }
  })();

  return {
    stop: async () => {
      stopped = true;
      removeLocal();
      sleeper.wake();
      halt.abort();
      await loop;
      await listener.end();
    },
  };
}

/**
 * A dedicated connection for LISTEN; other processes' appends wake us through it. When it drops, ONE new
 * connection replaces it (a killed connection reports twice: the server's FATAL message, then the socket's
 * end), and `end()` of the returned handle ends whichever connection is current.
 */
function listen(
  connectionString: string | undefined,
  onNotify: () => void,
  stopped: () => boolean,
): { end(): Promise<void> } {
  let current: Client | null = null;
  let retry: NodeJS.Timeout | undefined;
  const reconnectLater = () => {
    if (stopped() || retry) return;
    retry = setTimeout(() => {
      retry = undefined;
      void connect();
    }, RELISTEN_MS);
  };
  const connect = async (): Promise<void> => {
    if (stopped() || !connectionString) return;
    const client = new Client({ connectionString });
    let lost = false;
    const onLost = () => {
      if (lost) return;
      lost = true;
      if (current === client) current = null;
      void client.end().catch(() => undefined);
      reconnectLater();
    };
    client.on('notification', onNotify);
    client.on('error', onLost);
    client.on('end', onLost);
    try {
      await client.connect();
      await client.query(`LISTEN ${EVENTS_CHANNEL}`);
    } catch {
      onLost();
      return;
    }
    if (lost) return;
    if (stopped()) return void client.end().catch(() => undefined);
    current = client;
    onNotify();
  };
  void connect();
  return {
    end: async () => {
      clearTimeout(retry);
      retry = undefined;
      const client = current;
      current = null;
      await client?.end().catch(() => undefined);
    },
  };
}
