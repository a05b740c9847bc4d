import type { EventMetadata, RunEvent } from '@ledger/domain';

/** The port every event store adapter implements (PostgreSQL, EventStoreDB). */

/** A position in the global log: EventStoreDB's (commit, prepare), or PostgreSQL's (transaction id, sequence). */
export interface GlobalPosition {
  readonly commit: bigint;
  readonly prepare: bigint;
}

/** Any event the store holds: a type, its data and the envelope (run events, budget events). */
export interface StoredEvent {
  readonly type: string;
  readonly data: unknown;
  readonly metadata: EventMetadata;
}

/** Where a stored event stands: its id, its stream, its revision in the stream and its place in the global log. */
export interface EventPlace {
  readonly id: string;
  readonly streamId: string;
  readonly revision: number;
  readonly position: GlobalPosition;
}

/**
 * An event as read back: each member of the event union intersected with its place (as Emmett's `ReadEvent<E>`),
 * so a check of `type` narrows `data` after a read too. Run events unless told otherwise.
 */
export type RecordedEvent<Ev extends StoredEvent = RunEvent> = Ev & EventPlace;

/** Revision of the stream's last event that the writer expects: -1 for "the stream does not exist yet". */
export type ExpectedRevision = number | 'any';
export const NO_STREAM = -1;

export interface NewEvent {
  readonly id: string;
  readonly type: string;
  readonly data: unknown;
  readonly metadata: EventMetadata;
}

export interface AppendResult {
  /** Revision of the last event written. */
  readonly nextRevision: number;
}

export interface StreamAppend {
  readonly streamId: string;
  readonly expectedRevision: ExpectedRevision;
  readonly events: readonly NewEvent[];
}

/** A stream was not at the revision the writer expected: a typed result, turned into a protocol error only at the edge. */
export class WrongExpectedRevision extends Error {
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedRevision,
    readonly actual: number | null,
  ) {
    super(`stream ${streamId}: expected revision ${expected}, actual ${actual ?? 'none'}`);
    this.name = 'WrongExpectedRevision';
  }
}

/** An event id that is already stored in another place (a commandId reused for another stream). */
export class DuplicateEventId extends Error {
  constructor(readonly streamId: string) {
    super(`stream ${streamId}: an event id is already stored`);
    this.name = 'DuplicateEventId';
  }
}

/**
 * An event whose content this store cannot hold (PostgreSQL's jsonb refuses NUL and lone UTF-16 surrogates): a fault
 * of that one stream's append, refused alone, never retried as it is.
 */
export class UnstorableEvent extends Error {
  constructor(
    readonly streamId: string,
    readonly reason: string,
  ) {
    super(`stream ${streamId}: an event cannot be stored: ${reason}`);
    this.name = 'UnstorableEvent';
  }
}

/** The store cannot be reached now. */
export class StoreUnavailable extends Error {
  constructor(
    message: string,
    override readonly cause?: unknown,
  ) {
    super(message);
    this.name = 'StoreUnavailable';
  }
}

export interface ReadStreamOptions {
  readonly fromRevision?: number;
  /** Inclusive. */
  readonly toRevision?: number;
  readonly direction?: 'forwards' | 'backwards';
  readonly maxCount?: number;
}

export interface AllBatch<Ev extends StoredEvent = RunEvent> {
  readonly events: readonly RecordedEvent<Ev>[];
  /** Everything up to here has been delivered (also across events the subscription filtered out). */
  readonly checkpoint: GlobalPosition;
}

export interface Subscription {
  stop(): Promise<void>;
}

export interface SubscribeOptions {
  readonly batchSize?: number;
  /**
   * The shortest time from the start of one batch to the start of the next (default 0): under load a batch then
   * holds what arrived meanwhile, so a reader that rewrites rows per batch (the projector: a streaming task's
   * text) does so at most 1000/N times a second. The first batch after an idle spell is delivered at once.
   */
  readonly minBatchIntervalMs?: number;
  readonly onError?: (error: unknown) => void;
  /**
   * The streams to follow, by id prefix: the run streams (`run-`) unless told otherwise. The budget alert outbox
   * follows `budget-` streams; nothing else reads outside the run streams.
   */
  readonly streamPrefix?: string;
}

export interface EventStore {
  readonly kind: 'postgres' | 'eventstoredb';
  appendToStream(
    streamId: string,
    events: readonly NewEvent[],
    expectedRevision: ExpectedRevision,
  ): Promise<AppendResult>;
  /**
   * Group commit: appends to many streams at once (one transaction where the store allows it). Each stream
   * gets its own outcome, so one stream's conflict does not fail the others.
   */
  appendMany(appends: readonly StreamAppend[]): Promise<Array<AppendResult | Error>>;
  /**
   * Events of one stream (empty when it does not exist). `Ev` names what the stream holds (run events unless told:
   * a budget stream holds budget events); the store does not check it, its writers do.
   */
  readStream<Ev extends StoredEvent = RunEvent>(
    streamId: string,
    options?: ReadStreamOptions,
  ): Promise<RecordedEvent<Ev>[]>;
  /** Revision of the stream's last event, or null when it does not exist. */
  streamRevision(streamId: string): Promise<number | null>;
  /**
   * Events of the run streams (`run-…`, the only streams the ledger writes) strictly after `after` (null: from the
   * start), in global order; never skips one. Other streams (EventStoreDB's system and index streams, any stream
   * another tool wrote) are never returned, on every store.
   */
  readAll(after: GlobalPosition | null, limit: number): Promise<RecordedEvent[]>;
  /**
   * The same events as pages of `readAll` after `after`, in batches, for a whole pass over the log (a rebuild): a
   * store with a cheaper way to read many events at once has it (PostgreSQL: COPY). Without it, `logBatches` reads
   * pages of `readAll`.
   */
  readLog?(after: GlobalPosition | null): AsyncIterable<RecordedEvent[]>;
  /** A catch-up subscription to the whole log, then live, after `after`. Batches are delivered one at a time. */
  subscribeToAll<Ev extends StoredEvent = RunEvent>(
    after: GlobalPosition | null,
    handler: (batch: AllBatch<Ev>) => Promise<void>,
    options?: SubscribeOptions,
  ): Subscription;
  /** The runs whose `RunStarted` names this user, in log order (an erased run keeps only its tombstone: not listed). */
  runIdsOfUser(userId: string): Promise<string[]>;
  /** The runs with a `TaskCreated` of this model (any model when absent), in log order of their first such task. */
  runIdsWithModel(model?: string): Promise<string[]>;
  /** Erases a stream's events, keeping only the tombstone event given (docs/protocol.md: `RunDeleted`). */
  eraseStream(streamId: string, tombstone: NewEvent): Promise<void>;
  /** Position of the newest event in the log (null: empty), for lag. */
  headPosition(): Promise<GlobalPosition | null>;
  /** Count of events after a position, for lag (may be capped). */
  countAfter(after: GlobalPosition | null, cap?: number): Promise<number>;
  close(): Promise<void>;
}

/**
 * The one place a stored event's type is taken on trust: what a stream holds is what its writers appended (run
 * events in `run-` streams, budget events in `budget-` streams), named by the reader. Used by the adapters only.
 */
export function eventsOf<Ev extends StoredEvent>(
  events: readonly RecordedEvent<StoredEvent>[],
): RecordedEvent<Ev>[] {
  return events as RecordedEvent<Ev>[];
}

export function comparePositions(a: GlobalPosition, b: GlobalPosition): number {
  if (a.commit !== b.commit) return a.commit < b.commit ? -1 : 1;
  if (a.prepare !== b.prepare) return a.prepare < b.prepare ? -1 : 1;
  return 0;
}

export function positionToString(p: GlobalPosition | null): string {
  return p ? `${p.commit}/${p.prepare}` : 'start';
}
export function positionFromString(s: string): GlobalPosition | null {
  if (s === 'start') return null;
  const [commit, prepare] = s.split('/');
  return { commit: BigInt(commit), prepare: BigInt(prepare) };
}
