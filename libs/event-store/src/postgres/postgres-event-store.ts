import type { Pool } from 'pg';
import type {
  AllBatch,
  AppendResult,
  EventStore,
  ExpectedRevision,
  NewEvent,
  ReadStreamOptions,
  StreamAppend,
  SubscribeOptions,
  Subscription,
  GlobalPosition,
  RecordedEvent,
  StoredEvent,
} from '../event-store.port';
import { eventsOf } from '../event-store.port';
import type { RunEvent } from '@ledger/domain';
import { appendMany } from './postgres-append';
import { eraseStream } from './postgres-erase';
import * as reads from './postgres-read';
import { readLog } from './postgres-read-log';
import { subscribeToAll } from './postgres-subscribe';

export { isConnectionError } from './postgres-errors';
/** The columns every read of events selects (the bench's keyset-scan baseline reads the same). */
export { EVENT_COLUMNS } from './postgres-rows';

/**
 * The embedded default event store, on PostgreSQL. One table of events with a per-stream unique revision
 * (optimistic concurrency) and a unique event id (a retried command never writes twice); a `streams`
 * table holds each stream's revision so an append checks it with one locked read. One file per operation:
 * postgres-append, postgres-read, postgres-subscribe, postgres-erase, postgres-errors.
 */
export class PostgresEventStore implements EventStore {
  readonly kind = 'postgres' as const;
  private readonly localWakers = new Set<() => void>();

  constructor(
    private readonly pool: Pool,
    private readonly connectionString?: string,
  ) {}

  async appendToStream(
    streamId: string,
    events: readonly NewEvent[],
    expectedRevision: ExpectedRevision,
  ): Promise<AppendResult> {
    const [result] = await this.appendMany([{ streamId, events, expectedRevision }]);
    if (result instanceof Error) throw result;
    return result;
  }

  appendMany(appends: readonly StreamAppend[]): Promise<Array<AppendResult | Error>> {
    return appendMany(this.pool, appends, () => this.wakeLocal());
  }

  async readStream<Ev extends StoredEvent = RunEvent>(
    streamId: string,
    options?: ReadStreamOptions,
  ): Promise<RecordedEvent<Ev>[]> {
    return eventsOf<Ev>(await reads.readStream(this.pool, streamId, options));
  }

  streamRevision(streamId: string): Promise<number | null> {
    return reads.streamRevision(this.pool, streamId);
  }

  readAll(after: GlobalPosition | null, limit: number): Promise<RecordedEvent[]> {
    return reads.readAll(this.pool, after, limit);
  }

  readLog(after: GlobalPosition | null): AsyncIterable<RecordedEvent[]> {
    return readLog(this.pool, after);
  }

  runIdsOfUser(userId: string): Promise<string[]> {
    return reads.runIdsOfUser(this.pool, userId);
  }

  runIdsWithModel(model?: string): Promise<string[]> {
    return reads.runIdsWithModel(this.pool, model);
  }

  subscribeToAll<Ev extends StoredEvent = RunEvent>(
    after: GlobalPosition | null,
    handler: (batch: AllBatch<Ev>) => Promise<void>,
    options?: SubscribeOptions,
  ): Subscription {
    const source = {
      readAll: (from: GlobalPosition | null, limit: number) =>
        reads.readAll(this.pool, from, limit, options?.streamPrefix),
      connectionString: this.connectionString,
      onLocalAppend: (wake: () => void) => {
        this.localWakers.add(wake);
        return () => void this.localWakers.delete(wake);
      },
    };
    return subscribeToAll(
      source,
      after,
      (batch) => handler({ events: eventsOf<Ev>(batch.events), checkpoint: batch.checkpoint }),
      options,
    );
  }

  async eraseStream(streamId: string, tombstone: NewEvent): Promise<void> {
    await eraseStream(this.pool, streamId, tombstone);
    this.wakeLocal();
  }

  headPosition(): Promise<GlobalPosition | null> {
    return reads.headPosition(this.pool);
  }

  countAfter(after: GlobalPosition | null, cap = 1_000_000): Promise<number> {
    return reads.countAfter(this.pool, after, cap);
  }

  async close(): Promise<void> {
    this.localWakers.clear();
  }

  private wakeLocal(): void {
    for (const wake of this.localWakers) wake();
  }
}
