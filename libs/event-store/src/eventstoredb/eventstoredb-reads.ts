import type { EventStoreDBClient } from '@eventstore/db-client';
import { withTimeout } from '@ledger/async';
import { StoreUnavailable, type RecordedEvent } from '../event-store.port';

/** The part of the client the adapter uses: a real `EventStoreDBClient`, or a stub in unit tests. */
export type EsdbClient = Pick<
  EventStoreDBClient,
  | 'appendToStream'
  | 'readStream'
  | 'readAll'
  | 'subscribeToAll'
  | 'getStreamMetadata'
  | 'setStreamMetadata'
  | 'dispose'
>;

/**
 * A read as the client returns it (`StreamingRead`): a Node object stream over one gRPC server-streaming call.
 * Leaving a `for await` early destroys the object stream but NOT the call: the client pipes the call into it,
 * and a destroyed destination only unpipes, so the call stays open, paused, on the shared HTTP/2 connection.
 * Only `cancel()` ends it.
 */
export interface ClientRead<T> extends AsyncIterable<T> {
  cancel(): Promise<void>;
  destroy(error?: Error): unknown;
}

/** How long one read (one page) may take (ms). The client's reads have none: it sends `deadline: Infinity`. */
export const DEFAULT_READ_DEADLINE_MS = 10_000;

/**
 * Iterates a read until it ends or `visit` returns false, and always cancels the call afterwards (ended,
 * stopped early, failed or past its deadline), so no call outlives its page. A read that does not finish within
 * `deadlineMs` is cancelled and fails with StoreUnavailable.
 */
export async function consumeRead<T>(
  read: ClientRead<T>,
  visit: (item: T) => boolean | void,
  deadlineMs: number,
  what: string,
): Promise<void> {
  let expired = false;
  const iterate = (async () => {
    for await (const item of read) {
      if (expired || visit(item) === false) return;
    }
  })();
  iterate.catch(() => undefined); // its failure is reported through the race below
  try {
    await withTimeout(iterate, deadlineMs, () => {
      expired = true;
      return new StoreUnavailable(`EventStoreDB ${what}: no answer within ${deadlineMs} ms`);
    });
  } finally {
    await read.cancel().catch(() => undefined);
    read.destroy(); // ends a `for await` still waiting on a cancelled call
  }
}

/** No stream can have an event at this revision: the whole stream is deleted. */
export const DELETED = Number.POSITIVE_INFINITY;

/**
 * Which events of `$all` are still readable in their stream. A soft delete or a truncate-before (the ledger's
 * erasure) hides events from stream reads at once, but `$all` returns them until a scavenge removes them, and a
 * scavenge may remove only some (it never touches the active chunk, and each node scavenges its own copy). So
 * a reader of `$all` keeps an event only at or after its stream's first readable revision, looked up once per
 * stream per pass, as `store copy` does.
 *
 * One instance per forward pass over the log (a `readAll` paging sequence, one subscription connection):
 * within a pass, a stream that was readable when first met stays trusted; its earlier events were delivered
 * in this pass or before its start, so a later erasure can only leave the reader with events it already has
 * plus the tombstone that follows them.
 */
export class FirstReadableRevisions {
  private readonly known = new Map<string, number>();

  constructor(
    private readonly lookup: (streamId: string) => Promise<number>,
    private readonly maxStreams = 50_000,
  ) {}

  async keep(event: RecordedEvent): Promise<boolean> {
    let first = this.known.get(event.streamId);
    if (first === undefined) {
      first = await this.lookup(event.streamId);
      if (this.known.size >= this.maxStreams) this.known.delete(this.known.keys().next().value as string);
      this.known.set(event.streamId, first);
    }
    return event.revision >= first;
  }

  async filter(events: readonly RecordedEvent[]): Promise<RecordedEvent[]> {
    const out: RecordedEvent[] = [];
    for (const e of events) if (await this.keep(e)) out.push(e);
    return out;
  }
}
