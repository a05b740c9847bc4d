import {
  ANY,
  NO_STREAM as ESDB_NO_STREAM,
  type AllStreamResolvedEvent,
  type ExpectedRevision as EsdbExpectedRevision,
  type JSONType,
  type Position,
  type ResolvedEvent,
} from '@eventstore/db-client';
import type { EventMetadata } from '@ledger/domain';
import {
  comparePositions,
  type ExpectedRevision,
  type GlobalPosition,
  type RecordedEvent,
} from '../event-store.port';

/**
 * Pure translations between the port and @eventstore/db-client v6: revisions, positions, metadata, events
 * and errors. No I/O here, so every rule is unit-tested without a server.
 */

export { RUN_STREAM_PREFIX } from '@ledger/domain';

/** -1 ↔ NO_STREAM, n ↔ the exact revision n (so the server dedupes a retried event id), 'any' ↔ ANY. */
export function toEsdbExpectedRevision(expected: ExpectedRevision): EsdbExpectedRevision {
  if (expected === 'any') return ANY;
  if (!Number.isSafeInteger(expected) || expected < -1)
    throw new RangeError(`invalid expected revision ${expected}`);
  return expected === -1 ? ESDB_NO_STREAM : BigInt(expected);
}

/** The server's "current revision" of a stream (NO_STREAM or a bigint) as the port's `number | null`. */
export function fromEsdbCurrentRevision(current: unknown): number | null {
  return typeof current === 'bigint' ? Number(current) : null;
}

export function toGlobalPosition(position: Position): GlobalPosition {
  return { commit: position.commit, prepare: position.prepare };
}

export function toEsdbPosition(position: GlobalPosition): Position {
  return { commit: position.commit, prepare: position.prepare };
}

/** `a` strictly after `b` (null: before everything). */
export function isAfter(a: GlobalPosition, b: GlobalPosition | null): boolean {
  return b === null || comparePositions(a, b) > 0;
}

/** The newer of two positions (null: none). */
export function maxPosition(a: GlobalPosition | null, b: GlobalPosition | null): GlobalPosition | null {
  if (a === null) return b;
  if (b === null) return a;
  return comparePositions(a, b) >= 0 ? a : b;
}

export { isRunStreamId as isRunStream } from '@ledger/domain';

const CORRELATION = '$correlationId';
const CAUSATION = '$causationId';

/** Metadata as stored: the ledger's own keys plus EventStoreDB's correlation/causation ids (both the commandId). */
export function toEsdbMetadata(metadata: EventMetadata): Record<string, unknown> {
  return { ...metadata, [CORRELATION]: metadata.commandId, [CAUSATION]: metadata.commandId };
}

/** The metadata as it was written: the `$correlationId`/`$causationId` added on append are taken back out. */
export function fromEsdbMetadata(stored: unknown): EventMetadata {
  if (
    stored === null ||
    typeof stored !== 'object' ||
    Array.isArray(stored) ||
    stored instanceof Uint8Array
  ) {
    throw new TypeError('event metadata is not a JSON object');
  }
  const { [CORRELATION]: _correlation, [CAUSATION]: _causation, ...rest } = stored as Record<string, unknown>;
  return rest as unknown as EventMetadata;
}

export interface EsdbEventData {
  readonly id: string;
  readonly type: string;
  readonly data: JSONType;
  readonly metadata: Record<string, unknown>;
}

export function toEsdbEventData(event: {
  id: string;
  type: string;
  data: unknown;
  metadata: EventMetadata;
}): EsdbEventData {
  return {
    id: event.id,
    type: event.type,
    data: event.data as JSONType,
    metadata: toEsdbMetadata(event.metadata),
  };
}

/**
 * A resolved event from a stream or `$all` as the port's RecordedEvent; null for what the ledger does not own
 * (no event, system events: `$…` types, `$…` streams). An event of a run stream that the ledger cannot have
 * written (binary data, metadata that is not a JSON object) is still returned, as stored (binary data as
 * null, metadata as null): dropping it would skip it silently, and throwing here would make a subscription
 * resubscribe to it forever; the projector's own validation decides what to do with it (poison handling).
 */
export function toRecordedEvent(resolved: ResolvedEvent | AllStreamResolvedEvent): RecordedEvent | null {
  const e = resolved.event;
  if (!e || e.type.startsWith('$') || e.streamId.startsWith('$')) return null;
  const position = e.position;
  if (!position)
    throw new Error(`event ${e.id} of ${e.streamId} has no log position (EventStoreDB older than 22.6?)`);
  return {
    id: e.id,
    streamId: e.streamId,
    revision: Number(e.revision),
    position: toGlobalPosition(position),
    type: e.type,
    data: e.isJson ? e.data : null,
    metadata: storedMetadata(e.metadata),
  } as RecordedEvent;
}

/** The metadata as written, or null when it is not a JSON object (written from outside the ledger). */
function storedMetadata(stored: unknown): EventMetadata {
  try {
    return fromEsdbMetadata(stored);
  } catch {
    return null as unknown as EventMetadata;
  }
}
