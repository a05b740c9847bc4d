import { UnstorableEvent, type NewEvent, type StreamAppend } from '../event-store.port';
import { dataColumns, metadataColumns, type DataColumns, type MetadataColumns } from './event-row-codec';

/**
 * JSON text that jsonb refuses (the columns are `json` since migration …010, which would take it; the store refuses
 * it still, so that every row stays convertible to jsonb and the contract stays one for every store): the escape of NUL, or of a lone UTF-16 surrogate (JSON.stringify escapes a lone
 * surrogate and writes a valid pair as it is), when not itself preceded by an escaping backslash.
 */
const REFUSED_BY_JSONB = /(?<!\\)(?:\\\\)*\\u(?:0000|d[89a-f][0-9a-f]{2})/i;

/** A stream's append with its events already encoded as their row's values (event-row-codec.ts), checked storable. */
export interface EncodedAppend {
  readonly append: StreamAppend;
  /** The data as its row holds it. */
  readonly data: readonly DataColumns[];
  /** The metadata as JSON: verbatim, or the keys after the typed columns' where `typed` has them. */
  readonly meta: readonly string[];
  readonly typed: ReadonlyArray<MetadataColumns | null>;
}

/**
 * Encodes one stream's events for jsonb, or throws `UnstorableEvent`. Done per stream before any statement is built,
 * so a stream that PostgreSQL would refuse is refused alone and does not fail the group commit it came with.
 */
export function encodeAppend(append: StreamAppend): EncodedAppend {
  const data: DataColumns[] = [];
  const meta: string[] = [];
  const typed: Array<MetadataColumns | null> = [];
  // A command's events share one metadata object: encoded once.
  let lastMetadata: unknown = encodeAppend; // no event's metadata
  let lastTyped: MetadataColumns | null = null;
  let lastMeta = '';
  for (const e of append.events) {
    const d = dataColumns(append.streamId, e.data);
    if (e.metadata !== lastMetadata) {
      lastMetadata = e.metadata;
      lastTyped = metadataColumns(e.metadata);
      lastMeta = lastTyped ? lastTyped.rest : JSON.stringify(e.metadata);
    }
    if (REFUSED_BY_JSONB.test(d.json) || REFUSED_BY_JSONB.test(lastMeta))
      throw new UnstorableEvent(append.streamId, 'NUL or a lone UTF-16 surrogate, which jsonb cannot hold');
    data.push(d);
    meta.push(lastMeta);
    typed.push(lastTyped);
  }
  return { append, data, meta, typed };
}

/**
 * Inserts the rows of `EventColumns.params()` numbered from `$first`: every write of events goes through it (group
 * commit, transaction, erasure), so every row is laid out alike.
 */
export function insertEvents(first: number, filter = ''): string {
  const p = (i: number) => `$${first + i}`;
  return `INSERT INTO events (stream_id, stream_revision, event_id, type, data, metadata, data_layout, task_id,
       recorded_at, user_id, command_id, schema_version, payload_hash, command)
     SELECT e.s, e.r, e.i, e.t, e.d, e.m, e.dl, e.ti, e.ra, e.u, e.c, e.sv, decode(e.ph, 'hex'), e.cmd
     FROM unnest(${p(0)}::text[], ${p(1)}::bigint[], ${p(2)}::uuid[], ${p(3)}::text[], ${p(4)}::json[], ${p(5)}::json[],
       ${p(6)}::int2[], ${p(7)}::uuid[], ${p(8)}::bigint[], ${p(9)}::uuid[], ${p(10)}::uuid[], ${p(11)}::int2[],
       ${p(12)}::text[], ${p(13)}::text[]) AS e(s, r, i, t, d, m, dl, ti, ra, u, c, sv, ph, cmd)${filter}`;
}

/** Event rows as parallel arrays, for one `INSERT … SELECT FROM unnest(…)` ({@link insertEvents}). */
export class EventColumns {
  readonly stream: string[] = [];
  readonly rev: number[] = [];
  readonly id: string[] = [];
  readonly type: string[] = [];
  readonly data: string[] = [];
  readonly meta: string[] = [];
  readonly dataLayout: Array<number | null> = [];
  readonly taskId: Array<string | null> = [];
  readonly recordedAt: Array<number | null> = [];
  readonly userId: Array<string | null> = [];
  readonly commandId: Array<string | null> = [];
  readonly schemaVersion: Array<number | null> = [];
  readonly payloadHash: Array<string | null> = [];
  readonly command: Array<string | null> = [];

  /** Adds a stream's events at the revisions after `lastRevision`; returns the revision of the last one. */
  add(encoded: EncodedAppend, lastRevision: number): number {
    const { streamId, events } = encoded.append;
    let rev = lastRevision;
    events.forEach((e: NewEvent, i) => {
      rev += 1;
      this.stream.push(streamId);
      this.rev.push(rev);
      this.id.push(e.id);
      this.type.push(e.type);
      const d = encoded.data[i];
      this.data.push(d.json);
      this.dataLayout.push(d.layout);
      this.taskId.push(d.taskId);
      this.meta.push(encoded.meta[i]);
      const t = encoded.typed[i];
      this.recordedAt.push(t?.recordedAt ?? null);
      this.userId.push(t?.userId ?? null);
      this.commandId.push(t?.commandId ?? null);
      this.schemaVersion.push(t?.schemaVersion ?? null);
      this.payloadHash.push(t?.payloadHash ?? null);
      this.command.push(t?.command ?? null);
    });
    return rev;
  }

  get size(): number {
    return this.id.length;
  }

  params(): unknown[] {
    return [
      this.stream,
      this.rev,
      this.id,
      this.type,
      this.data,
      this.meta,
      this.dataLayout,
      this.taskId,
      this.recordedAt,
      this.userId,
      this.commandId,
      this.schemaVersion,
      this.payloadHash,
      this.command,
    ];
  }
}
