import type { RecordedEvent } from '../event-store.port';
import type { RunEvent } from '@ledger/domain';

/** The `events` columns every read selects, in the shape `toRecorded` takes. */
export const EVENT_COLUMNS =
  'position, transaction_id::text AS tx, stream_id, stream_revision, event_id, type, data, metadata';

/** The channel appends NOTIFY and subscriptions LISTEN on. */
export const EVENTS_CHANNEL = 'ledger_events';

export interface EventRow {
  position: string;
  tx: string;
  stream_id: string;
  stream_revision: string;
  event_id: string;
  type: string;
  data: RunEvent['data'];
  metadata: RunEvent['metadata'];
}

/** The store's edge: a row is what a writer stored; its type names its data's shape (the projector validates). */
export function toRecorded(row: EventRow): RecordedEvent {
  return {
    id: row.event_id,
    streamId: row.stream_id,
    revision: Number(row.stream_revision),
    position: { commit: BigInt(row.tx), prepare: BigInt(row.position) },
    type: row.type,
    data: row.data,
    metadata: row.metadata,
  } as RecordedEvent;
}
