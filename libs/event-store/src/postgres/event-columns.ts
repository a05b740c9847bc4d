import { UnstorableEvent, type NewEvent, type StreamAppend } from '../event-store.port';

/**
 * JSON text that jsonb refuses (the columns are `json` since migration …010, which would take it; the store refuses
 * it still, so that every row stays convertible to jsonb and the contract stays one for every store): the escape of NUL, or of a lone UTF-16 surrogate (JSON.stringify escapes a lone
 * surrogate and writes a valid pair as it is), when not itself preceded by an escaping backslash.
 */
const REFUSED_BY_JSONB = /(?<!\\)(?:\\\\)*\\u(?:0000|d[89a-f][0-9a-f]{2})/i;

/** A stream's append with its events already encoded as JSON text, checked to be storable. */
export interface EncodedAppend {
  readonly append: StreamAppend;
  readonly data: readonly string[];
  readonly meta: readonly string[];
}

/**
 * Encodes one stream's events for jsonb, or throws `UnstorableEvent`. Done per stream before any statement is built,
 * so a stream that PostgreSQL would refuse is refused alone and does not fail the group commit it came with.
 */
export function encodeAppend(append: StreamAppend): EncodedAppend {
  const data: string[] = [];
  const meta: string[] = [];
  for (const e of append.events) {
    const d = JSON.stringify(e.data);
    const m = JSON.stringify(e.metadata);
    if (REFUSED_BY_JSONB.test(d) || REFUSED_BY_JSONB.test(m))
      throw new UnstorableEvent(append.streamId, 'NUL or a lone UTF-16 surrogate, which jsonb cannot hold');
    data.push(d);
    meta.push(m);
  }
  return { append, data, meta };
}

/** Event rows as parallel arrays, for one `INSERT … SELECT FROM unnest(…)`. */
export class EventColumns {
  readonly stream: string[] = [];
  readonly rev: number[] = [];
  readonly id: string[] = [];
  readonly type: string[] = [];
  readonly data: string[] = [];
  readonly meta: string[] = [];

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
      this.data.push(encoded.data[i]);
      this.meta.push(encoded.meta[i]);
    });
    return rev;
  }

  get size(): number {
    return this.id.length;
  }

  params(): unknown[] {
    return [this.stream, this.rev, this.id, this.type, this.data, this.meta];
  }
}
