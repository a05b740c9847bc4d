import { PassThrough, Readable } from 'node:stream';
import {
  MaxAppendSizeExceededError,
  NO_STREAM,
  StreamDeletedError,
  StreamNotFoundError,
  WrongExpectedVersionError,
  type AppendExpectedRevision,
  type AppendResult,
  type EventData,
} from '@eventstore/db-client';
import type { EsdbClient } from '../src/eventstoredb/eventstoredb-reads';

/**
 * A stand-in for `EventStoreDBClient` in unit tests (no server can run here): an in-memory `$all` with the
 * server's documented rules that the adapter relies on (expected revisions, idempotent retry at the original
 * revision, truncate-before hiding events from stream reads but not from `$all`, MaxAppendSize per append).
 * Every read is an object stream like the client's `StreamingRead`, recording whether it was cancelled (the
 * only thing that closes the gRPC call) and destroyed. It is a model of the server, not the server: the
 * contract and integration suites check the same behaviour against a real one.
 */

export interface FakeRecord {
  streamId: string;
  revision: bigint;
  id: string;
  type: string;
  data: unknown;
  metadata: unknown;
  isJson: boolean;
  position: { commit: bigint; prepare: bigint };
}

export class FakeRead extends Readable {
  cancelled = false;
  constructor(items: readonly unknown[], hang = false) {
    let i = 0;
    super({
      objectMode: true,
      read() {
        if (hang) return;
        this.push(i < items.length ? items[i++] : null);
      },
    });
  }
  async cancel(): Promise<void> {
    this.cancelled = true;
  }
}

type Options = Record<string, unknown> & {
  expectedRevision?: AppendExpectedRevision;
  fromRevision?: bigint | 'start' | 'end';
  fromPosition?: { commit: bigint; prepare: bigint } | 'start' | 'end';
  direction?: 'forwards' | 'backwards';
  maxCount?: number;
};

export class FakeEsdbClient {
  readonly log: FakeRecord[] = [];
  readonly reads: FakeRead[] = [];
  readonly calls: Array<{ method: string; stream?: string; options: Options; events?: number }> = [];
  readonly truncateBefore = new Map<string, bigint>();
  readonly tombstoned = new Set<string>();
  readonly subscriptions: PassThrough[] = [];
  maxAppendSize = 1_048_576;
  /** Errors thrown by the next appends, in order. */
  failAppends: unknown[] = [];
  /** Reads that never answer (for deadlines). */
  hangReads = false;
  private nextPosition = 100n;

  get client(): EsdbClient {
    return this as unknown as EsdbClient;
  }

  record(r: Omit<FakeRecord, 'position' | 'revision'> & { revision?: bigint }): FakeRecord {
    const revision = r.revision ?? this.last(r.streamId) + 1n;
    const position = { commit: this.nextPosition, prepare: this.nextPosition };
    this.nextPosition += 100n;
    const full = { ...r, revision, position };
    this.log.push(full);
    for (const s of this.subscriptions) if (!s.writableEnded) s.write({ event: full });
    return full;
  }

  private last(streamId: string): bigint {
    const own = this.log.filter((r) => r.streamId === streamId);
    return own.length ? own[own.length - 1].revision : -1n;
  }

  async appendToStream(
    stream: string,
    event: EventData | EventData[],
    options: Options = {},
  ): Promise<AppendResult> {
    const events = Array.isArray(event) ? event : [event];
    this.calls.push({ method: 'appendToStream', stream, options, events: events.length });
    if (this.failAppends.length) throw this.failAppends.shift();
    if (this.tombstoned.has(stream)) throw StreamDeletedError.fromStreamName(stream);
    const size = events.reduce(
      (n, e) => n + JSON.stringify(e.data).length + JSON.stringify(e.metadata ?? {}).length,
      0,
    );
    if (size > this.maxAppendSize) throw MaxAppendSizeExceededError.fromMaxAppendSize(this.maxAppendSize);
    const expected = options.expectedRevision ?? 'any';
    const own = this.log.filter((r) => r.streamId === stream);
    const start = own.findIndex((r) => r.id === events[0].id);
    if (start >= 0 && expected !== 'any') {
      const before = start === 0 ? NO_STREAM : own[start - 1].revision;
      if (before === expected && events.every((e, i) => own[start + i]?.id === e.id))
        return {
          success: true,
          nextExpectedRevision: own[start + events.length - 1].revision,
          position: undefined,
        };
    }
    const current = this.last(stream);
    const ok = expected === 'any' || (expected === NO_STREAM ? current === -1n : expected === current);
    if (!ok)
      throw new WrongExpectedVersionError(undefined, {
        streamName: stream,
        expected: expected as bigint,
        current: current === -1n ? NO_STREAM : current,
      });
    let last!: FakeRecord;
    for (const e of events)
      last = this.record({
        streamId: stream,
        id: e.id,
        type: e.type,
        data: e.data,
        metadata: e.metadata,
        isJson: e.contentType === 'application/json',
      });
    return { success: true, nextExpectedRevision: last.revision, position: last.position };
  }

  readStream(stream: string, options: Options = {}): FakeRead {
    this.calls.push({ method: 'readStream', stream, options });
    const backwards = options.direction === 'backwards';
    const tb = this.truncateBefore.get(stream) ?? 0n;
    let own = this.log.filter((r) => r.streamId === stream && r.revision >= tb);
    const from = options.fromRevision ?? (backwards ? 'end' : 'start');
    if (typeof from === 'bigint')
      own = own.filter((r) => (backwards ? r.revision <= from : r.revision >= from));
    if (backwards) own.reverse();
    const items = own.slice(0, options.maxCount ?? Number.MAX_SAFE_INTEGER).map((event) => ({ event }));
    const read = new FakeRead(items, this.hangReads);
    if (this.hangReads) {
      // never answers
    } else if (this.tombstoned.has(stream))
      queueMicrotask(() => read.destroy(StreamDeletedError.fromStreamName(stream)));
    else if (own.length === 0) queueMicrotask(() => read.destroy(new StreamNotFoundError(undefined, stream)));
    this.reads.push(read);
    return read;
  }

  readAll(options: Options = {}): FakeRead {
    this.calls.push({ method: 'readAll', options });
    const backwards = options.direction === 'backwards';
    const from = options.fromPosition ?? (backwards ? 'end' : 'start');
    let records = [...this.log];
    if (typeof from === 'object')
      records = records.filter((r) =>
        backwards ? r.position.commit < from.commit : r.position.commit >= from.commit,
      );
    if (backwards) records.reverse();
    const items = records.slice(0, options.maxCount ?? Number.MAX_SAFE_INTEGER).map((event) => ({ event }));
    const read = new FakeRead(items, this.hangReads);
    this.reads.push(read);
    return read;
  }

  async getStreamMetadata(stream: string) {
    const tb = this.truncateBefore.get(stream);
    return { streamName: stream, metadata: tb === undefined ? undefined : { truncateBefore: Number(tb) } };
  }

  async setStreamMetadata(stream: string, metadata: { truncateBefore?: number }, options: Options = {}) {
    this.calls.push({ method: 'setStreamMetadata', stream, options });
    if (metadata.truncateBefore !== undefined)
      this.truncateBefore.set(stream, BigInt(metadata.truncateBefore));
    this.record({
      streamId: `$$${stream}`,
      id: `meta-${this.log.length}`,
      type: '$metadata',
      data: metadata,
      metadata: {},
      isJson: true,
    });
    return { success: true, nextExpectedRevision: 0n, position: undefined };
  }

  /** A soft delete as the server does it: truncate-before past the last event; the events stay in `$all`. */
  softDelete(stream: string): void {
    this.truncateBefore.set(stream, this.last(stream) + 1n);
  }

  /** A live subscription: what `$all` holds after the position now, then whatever `publish` adds; never ends by itself. */
  subscribeToAll(options: Options = {}) {
    this.calls.push({ method: 'subscribeToAll', options });
    const from = options.fromPosition ?? 'start';
    const sub = Object.assign(new PassThrough({ objectMode: true }), {
      unsubscribe: async () => void sub.end(),
    });
    this.subscriptions.push(sub);
    for (const r of this.log)
      if (typeof from !== 'object' || r.position.commit >= from.commit) sub.write({ event: r });
    queueMicrotask(() => sub.emit('confirmation'));
    return sub;
  }

  async dispose(): Promise<void> {}
}
