import { ANY, BACKWARDS, END, EventStoreDBClient, jsonEvent, type Credentials } from '@eventstore/db-client';
import {
  StoreUnavailable,
  WrongExpectedRevision,
  type AllBatch,
  type AppendResult,
  type EventStore,
  type ExpectedRevision,
  type NewEvent,
  type ReadStreamOptions,
  type StreamAppend,
  type SubscribeOptions,
  type Subscription,
  type GlobalPosition,
  type RecordedEvent,
  type StoredEvent,
  eventsOf,
} from '../event-store.port';
import { retryOnConflict } from '../conflict-retry';
import type { RunEvent } from '@ledger/domain';
import { DEFAULT_MAX_APPEND_BYTES, planAppends } from './eventstoredb-append-plan';
import { CommandIndex } from './eventstoredb-command-index';
import { appendCredentials, connectionProblem, connectionSettings, redact } from './eventstoredb-connection';
import { toPortError } from './eventstoredb-errors';
import { EsdbLog } from './eventstoredb-log';
import { scanRunIdsOfUser, scanRunIdsWithModel } from '../log-scan';
import { toEsdbEventData, toEsdbExpectedRevision } from './eventstoredb-mapping';
import { DEFAULT_READ_DEADLINE_MS, consumeRead, type EsdbClient } from './eventstoredb-reads';
import { EsdbStreams } from './eventstoredb-streams';
import { subscribeToAll } from './eventstoredb-subscription';

export { AppendTooLarge, StreamDeleted } from './eventstoredb-errors';
export { DEFAULT_MAX_APPEND_BYTES } from './eventstoredb-append-plan';

export interface EventStoreDbOptions {
  /** The server's `MaxAppendSize` (bytes, default 1 MiB, the server's default): appends are cut to fit it. */
  readonly maxAppendBytes?: number;
  /** Deadline of each read call (ms, default 10 000). */
  readonly readDeadlineMs?: number;
  /** Sent with each append (see appendCredentials); null leaves the client's choice. */
  readonly appendCredentials?: Credentials | null;
}

export interface EventStoreDbConnectOptions extends EventStoreDbOptions {
  /** How long the reachability probe may take before `connect` gives up (ms). */
  readonly timeoutMs?: number;
}

const DEFAULT_PROBE_TIMEOUT_MS = 5_000;

function reason(error: unknown): string {
  return error instanceof Error ? error.message || error.name : String(error);
}

/**
 * The event store on EventStoreDB (v24+, gRPC client v6), with the PostgreSQL store's semantics except where
 * EventStoreDB cannot give them (docs/eventstoredb.md): `appendMany` is one append per stream (no multi-stream
 * transaction), a stream append over MaxAppendSize is several appends, and erased events leave the disk only
 * at a scavenge (every reader here skips them before that). A commandId reused on another stream is refused
 * (DuplicateEventId) through the command index (eventstoredb-command-index.ts).
 */
export class EventStoreDbEventStore implements EventStore {
  readonly kind = 'eventstoredb' as const;
  private readonly subscriptions = new Set<Subscription>();
  private readonly maxAppendBytes: number;
  private readonly readDeadlineMs: number;
  private readonly credentials: Credentials | null;
  private readonly commands: CommandIndex;
  private readonly log: EsdbLog;
  private readonly streams: EsdbStreams;

  /** On a client built elsewhere (a stub in unit tests); `connect` is the way in for the ledger. */
  constructor(
    private readonly client: EsdbClient,
    options: EventStoreDbOptions = {},
  ) {
    this.maxAppendBytes = options.maxAppendBytes ?? DEFAULT_MAX_APPEND_BYTES;
    this.readDeadlineMs = options.readDeadlineMs ?? DEFAULT_READ_DEADLINE_MS;
    this.credentials = options.appendCredentials ?? null;
    this.commands = new CommandIndex(client, {
      ...(this.credentials ? { credentials: this.credentials } : {}),
      readDeadlineMs: this.readDeadlineMs,
    });
    this.streams = new EsdbStreams(client, this.readDeadlineMs);
    this.log = new EsdbLog(
      client,
      (streamId) => this.streams.firstReadableRevision(streamId),
      this.readDeadlineMs,
    );
  }

  /** Connects and probes the server with a one-record read of `$all`; fails with StoreUnavailable when it cannot. */
  static async connect(
    connectionString: string,
    options: EventStoreDbConnectOptions = {},
  ): Promise<EventStoreDbEventStore> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS;
    const settings = connectionSettings(connectionString);
    const problem = connectionProblem(settings);
    if (problem) throw new StoreUnavailable(`EVENTSTORE_URL ${redact(connectionString)}: ${problem}`);
    let client: EventStoreDBClient;
    try {
      client = EventStoreDBClient.connectionString(connectionString);
    } catch (error) {
      throw new StoreUnavailable(
        `EVENTSTORE_URL ${redact(connectionString)} is not a valid EventStoreDB connection string: ${reason(error)}`,
        error,
      );
    }
    try {
      const read = client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 1 });
      await consumeRead(read, () => undefined, timeoutMs, 'probe');
    } catch (error) {
      await client.dispose().catch(() => undefined);
      throw new StoreUnavailable(
        `cannot reach EventStoreDB at ${redact(connectionString)} (${reason(error)}); is the server running, and does the ` +
          `connection string match its TLS setting (esdb://host:2113?tls=false for an insecure node)?`,
        error,
      );
    }
    return new EventStoreDbEventStore(client, { ...options, appendCredentials: appendCredentials(settings) });
  }

  async appendToStream(
    streamId: string,
    events: readonly NewEvent[],
    expectedRevision: ExpectedRevision,
  ): Promise<AppendResult> {
    if (events.length === 0) {
      // Nothing to write: still check the expectation, as the PostgreSQL store does.
      const actual = await this.streamRevision(streamId);
      if (expectedRevision !== 'any' && expectedRevision !== (actual ?? -1))
        throw new WrongExpectedRevision(streamId, expectedRevision, actual);
      return { nextRevision: actual ?? -1 };
    }
    const appends = planAppends(streamId, events, this.maxAppendBytes);
    await this.commands.claim(streamId, events);
    let expected = expectedRevision;
    let result: AppendResult = { nextRevision: -1 };
    for (const [i, piece] of appends.entries()) {
      result = await this.appendOnce(streamId, piece, expected, i === appends.length - 1);
      expected = result.nextRevision;
    }
    return result;
  }

  private async appendOnce(
    streamId: string,
    events: readonly NewEvent[],
    expectedRevision: ExpectedRevision,
    last: boolean,
  ): Promise<AppendResult> {
    let result;
    try {
      result = await this.client.appendToStream(
        streamId,
        events.map((e) => jsonEvent(toEsdbEventData(e))),
        {
          expectedRevision: toEsdbExpectedRevision(expectedRevision),
          requiresLeader: true,
          ...(this.credentials ? { credentials: this.credentials } : {}),
        },
      );
    } catch (error) {
      throw toPortError(error, streamId, expectedRevision);
    }
    // Only with `throwOnAppendFailure=false` in the connection string does a refused append come back as a result.
    if (!result.success)
      throw new WrongExpectedRevision(streamId, expectedRevision, Number(result.nextExpectedRevision));
    const nextRevision = Number(result.nextExpectedRevision);
    if (result.position === undefined && last) {
      // No log position: the server found these event ids already written at this revision and wrote nothing
      // (an idempotent retry). It reports the revision of the ORIGINAL write, which is stale when the stream
      // moved on since; a writer trusting it would fail its next append. Report the move as a conflict now.
      // (A deduped piece before the last is followed by the next piece, at the revision it reported.)
      const head = await this.streamRevision(streamId);
      if (head !== nextRevision) throw new WrongExpectedRevision(streamId, expectedRevision, head);
    }
    return { nextRevision };
  }

  /**
   * EventStoreDB has no transaction over several streams: each stream gets its own append(s), streams in
   * parallel, appends to one stream in the order given. Each result stands alone, as the port requires.
   */
  async appendMany(appends: readonly StreamAppend[]): Promise<Array<AppendResult | Error>> {
    const results: Array<AppendResult | Error> = new Array(appends.length);
    const byStream = new Map<string, number[]>();
    appends.forEach((a, i) => byStream.set(a.streamId, [...(byStream.get(a.streamId) ?? []), i]));
    await Promise.all(
      [...byStream.values()].map(async (indexes) => {
        for (const i of indexes) {
          const a = appends[i];
          try {
            results[i] = await this.appendToStream(a.streamId, a.events, a.expectedRevision);
          } catch (error) {
            results[i] = error instanceof Error ? error : new Error(String(error));
          }
        }
      }),
    );
    return results;
  }

  async readStream<Ev extends StoredEvent = RunEvent>(
    streamId: string,
    options?: ReadStreamOptions,
  ): Promise<RecordedEvent<Ev>[]> {
    return eventsOf<Ev>(await this.streams.readStream(streamId, options));
  }

  streamRevision(streamId: string): Promise<number | null> {
    return this.streams.streamRevision(streamId);
  }

  readAll(after: GlobalPosition | null, limit: number): Promise<RecordedEvent[]> {
    return this.log.readAll(after, limit);
  }

  runIdsOfUser(userId: string): Promise<string[]> {
    return scanRunIdsOfUser(this, userId);
  }

  runIdsWithModel(model?: string): Promise<string[]> {
    return scanRunIdsWithModel(this, model);
  }

  subscribeToAll<Ev extends StoredEvent = RunEvent>(
    after: GlobalPosition | null,
    handler: (batch: AllBatch<Ev>) => Promise<void>,
    options: SubscribeOptions = {},
  ): Subscription {
    const inner = subscribeToAll(
      this.client,
      (streamId) => this.streams.firstReadableRevision(streamId),
      after,
      (batch) => handler({ events: eventsOf<Ev>(batch.events), checkpoint: batch.checkpoint }),
      options,
    );
    const subscription: Subscription = {
      stop: async () => {
        await inner.stop();
        this.subscriptions.delete(subscription);
      },
    };
    this.subscriptions.add(subscription);
    return subscription;
  }

  /**
   * Erasure that keeps the tombstone: append it (at the exact revision, so a retry is deduped), then set the
   * stream's truncate-before (`$tb`) to the tombstone's revision. Reads of the stream, and every `$all` reader
   * here, see only the tombstone at once; the scavenger removes the older events from disk. A hard delete
   * (`tombstoneStream`) would forbid the tombstone event itself; a soft delete (`deleteStream`) followed by an
   * append does the same as this, but the server rewrites `$tb` in a second step on the re-creating append,
   * and a read in between can see the old events again (EventStore issue #1744).
   */
  async eraseStream(streamId: string, tombstone: NewEvent): Promise<void> {
    try {
      // Another writer appending in between is a conflict: the one retry policy reads the new head and tries again.
      await retryOnConflict(async () => {
        const [last] = await this.readStream(streamId, { direction: 'backwards', maxCount: 1 });
        const revision =
          last?.id === tombstone.id
            ? last.revision
            : (await this.appendToStream(streamId, [tombstone], last ? last.revision : -1)).nextRevision;
        await this.client.setStreamMetadata(
          streamId,
          { truncateBefore: revision },
          {
            expectedRevision: ANY,
            requiresLeader: true,
            ...(this.credentials ? { credentials: this.credentials } : {}),
          },
        );
      });
    } catch (error) {
      throw toPortError(error, streamId, 'any');
    }
  }

  headPosition(): Promise<GlobalPosition | null> {
    return this.log.headPosition();
  }

  countAfter(after: GlobalPosition | null, cap?: number): Promise<number> {
    return this.log.countAfter(after, cap);
  }

  async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((s) => s.stop().catch(() => undefined)));
    await this.client.dispose().catch(() => undefined);
  }
}
