import type { RecordedEvent } from '../event-store.port';
import type { RunEvent } from '@ledger/domain';
import { readData, readMetadata, type DataLayout, type StoredMetadataColumns } from './event-row-codec';

/** The `events` columns every read selects, in the shape `toRecordedRows` takes. */
export const EVENT_COLUMNS =
  'position, transaction_id::text AS tx, stream_id, stream_revision, event_id, type, data, metadata, ' +
  'data_layout, task_id, recorded_at, user_id, command_id, schema_version, payload_hash, command';

/**
 * One stream's rows, `$1` being its id: through the index on (hashtext(stream_id), stream_revision) (migration
 * …010), in revision order; the id itself is compared too, as two streams may share a hash.
 */
export const ONE_STREAM = 'hashtext(stream_id) = hashtext($1) AND stream_id = $1';

/** The channel appends NOTIFY and subscriptions LISTEN on. */
export const EVENTS_CHANNEL = 'ledger_events';

export interface EventRow extends StoredMetadataColumns {
  position: string;
  tx: string;
  stream_id: string;
  stream_revision: string;
  event_id: string;
  type: string;
  /** As `data_layout` says (event-row-codec.ts). */
  data: unknown;
  /** Verbatim, or the keys after the typed metadata columns. */
  metadata: Record<string, unknown>;
  data_layout: DataLayout | null;
  task_id: string | null;
}

/** The store's edge: a row is what a writer stored; its type names its data's shape (the projector validates). */
function recorded(row: EventRow, commit: bigint, recordedAt: { ms: string; iso: string }): RecordedEvent {
  return {
    id: row.event_id,
    streamId: row.stream_id,
    revision: Number(row.stream_revision),
    position: { commit, prepare: BigInt(row.position) },
    type: row.type,
    data: readData(row.stream_id, row.data, row.data_layout, row.task_id) as RunEvent['data'],
    metadata: readMetadata(row, row.metadata, recordedAt) as unknown as RunEvent['metadata'],
  } as RecordedEvent;
}

/**
 * The rows as events (`recorded`). In the global order a transaction's events are next to each other (a group
 * commit writes ~100, a COPY many more), so its id is parsed into a bigint once per run of rows, not once per row
 * (a rebuild reads every row of the log).
 */
export function toRecordedRows(rows: readonly EventRow[]): RecordedEvent[] {
  const out: RecordedEvent[] = new Array(rows.length);
  let tx = '';
  let commit = 0n;
  const recordedAt = { ms: '', iso: '' };
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    if (row.tx !== tx) {
      tx = row.tx;
      commit = BigInt(tx);
    }
    out[i] = recorded(row, commit, recordedAt);
  }
  return out;
}
