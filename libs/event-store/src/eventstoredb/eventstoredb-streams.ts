import { BACKWARDS, END, FORWARDS, START, StreamDeletedError } from '@eventstore/db-client';
import type { ReadStreamOptions, RecordedEvent } from '../event-store.port';
import { StreamDeleted, isStreamNotFound, toPortError } from './eventstoredb-errors';
import { toRecordedEvent } from './eventstoredb-mapping';
import { DELETED, consumeRead, type EsdbClient } from './eventstoredb-reads';

/** Events per read call of a stream. */
const STREAM_PAGE = 500;

/** Reads of one stream: always from the leader, in pages, each page one call with a deadline, always cancelled. */
export class EsdbStreams {
  constructor(
    private readonly client: EsdbClient,
    private readonly readDeadlineMs: number,
  ) {}

  /**
   * Events of one stream, from the leader (a follower may lag behind the writer's own appends), in pages of
   * STREAM_PAGE events, each page one call with a deadline, always cancelled.
   */
  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const backwards = options.direction === 'backwards';
    let remaining = options.maxCount ?? Number.POSITIVE_INFINITY;
    if (!backwards && options.toRevision !== undefined)
      remaining = Math.min(remaining, options.toRevision - (options.fromRevision ?? 0) + 1);
    const out: RecordedEvent[] = [];
    let from: bigint | typeof START | typeof END =
      options.fromRevision === undefined ? (backwards ? END : START) : BigInt(options.fromRevision);
    try {
      while (remaining > 0) {
        const maxCount = Math.min(remaining, STREAM_PAGE);
        let got = 0;
        let last: bigint | null = null;
        await consumeRead(
          this.client.readStream(streamId, {
            direction: backwards ? BACKWARDS : FORWARDS,
            fromRevision: from,
            maxCount,
            requiresLeader: true,
          }),
          (resolved) => {
            got += 1;
            last = resolved.event?.revision ?? last;
            const e = toRecordedEvent(resolved);
            if (e) out.push(e);
          },
          this.readDeadlineMs,
          `read of ${streamId}`,
        );
        remaining -= got;
        if (got < maxCount || last === null || (backwards && last === 0n)) break;
        from = backwards ? (last as bigint) - 1n : (last as bigint) + 1n;
      }
    } catch (error) {
      if (isStreamNotFound(error)) return this.notFound(streamId);
      if (error instanceof StreamDeletedError) throw new StreamDeleted(streamId, 'hard');
      throw toPortError(error, streamId, 'any');
    }
    return out;
  }

  /**
   * A stream that reads as not found is new, unless it was soft-deleted from outside (its truncate-before is
   * set): writing to it would restart it at its old revision + 1, so it is refused as StreamDeleted instead.
   */
  private async notFound(streamId: string): Promise<RecordedEvent[]> {
    let truncated = false;
    try {
      const { metadata } = await this.client.getStreamMetadata(streamId, { requiresLeader: true });
      truncated = metadata?.truncateBefore !== undefined;
    } catch (error) {
      if (!isStreamNotFound(error)) throw toPortError(error, streamId, 'any');
    }
    if (truncated) throw new StreamDeleted(streamId, 'soft');
    return [];
  }

  async streamRevision(streamId: string): Promise<number | null> {
    const [last] = await this.readStream(streamId, { direction: 'backwards', maxCount: 1 });
    return last ? last.revision : null;
  }

  /** The revision of a stream's first readable event (DELETED when none is): what `$all` readers keep. */
  async firstReadableRevision(streamId: string): Promise<number> {
    let first = DELETED;
    try {
      await consumeRead(
        this.client.readStream(streamId, { maxCount: 1, requiresLeader: true }),
        (resolved) => {
          if (resolved.event) first = Number(resolved.event.revision);
          return false;
        },
        this.readDeadlineMs,
        `read of ${streamId}`,
      );
    } catch (error) {
      if (isStreamNotFound(error) || error instanceof StreamDeletedError) return DELETED;
      throw toPortError(error, streamId, 'any');
    }
    return first;
  }
}
