import { BACKWARDS, END, FORWARDS, START, type AllStreamResolvedEvent } from '@eventstore/db-client';
import {
  comparePositions,
  positionToString,
  type GlobalPosition,
  type RecordedEvent,
} from '../event-store.port';
import { toPortError } from './eventstoredb-errors';
import {
  isAfter,
  isRunStream,
  toEsdbPosition,
  toGlobalPosition,
  toRecordedEvent,
} from './eventstoredb-mapping';
import { FirstReadableRevisions, consumeRead, type EsdbClient } from './eventstoredb-reads';

/** Raw `$all` records per read call: small pages, each its own call, cancelled when done. */
export const LOG_PAGE = 500;
/** How many raw records `headPosition` looks back through for the newest run event. */
export const HEAD_SCAN_LIMIT = 10_000;
/** The most events `countAfter` counts; beyond it the lag is reported as this (a lower bound). */
export const LAG_COUNT_LIMIT = 10_000;
/** Forward passes over `$all` whose erased-stream lookups are kept (one per paging reader). */
const KEPT_PASSES = 16;

/**
 * Reads of `$all`: run events only (no system events, no other streams, no erased events), in pages of
 * LOG_PAGE raw records, each page one call with a deadline, always cancelled.
 */
export class EsdbLog {
  /** Erased-stream lookups per forward pass, keyed by the position the pass has reached. */
  private readonly passes = new Map<string, FirstReadableRevisions>();

  constructor(
    private readonly client: EsdbClient,
    private readonly firstReadable: (streamId: string) => Promise<number>,
    private readonly readDeadlineMs: number,
  ) {}

  /** Raw records of one page, in read order, with the call closed whatever happens. */
  private async page(
    direction: typeof FORWARDS | typeof BACKWARDS,
    from: GlobalPosition | null,
    maxCount: number,
  ): Promise<AllStreamResolvedEvent[]> {
    const records: AllStreamResolvedEvent[] = [];
    try {
      await consumeRead(
        this.client.readAll({
          direction,
          fromPosition: from ? toEsdbPosition(from) : direction === FORWARDS ? START : END,
          maxCount,
        }),
        (resolved) => void records.push(resolved),
        this.readDeadlineMs,
        'read of $all',
      );
    } catch (error) {
      throw toPortError(error, '$all', 'any');
    }
    return records;
  }

  /**
   * The raw records strictly beyond `from` in `direction` (a read of `$all` starts AT its position, so that one is
   * skipped), each with its stream and position, page after page to the end of the log. Records without an
   * event (unresolved links) are passed over.
   */
  private async *records(
    direction: typeof FORWARDS | typeof BACKWARDS,
    from: GlobalPosition | null,
  ): AsyncGenerator<{ resolved: AllStreamResolvedEvent; streamId: string; position: GlobalPosition }> {
    for (;;) {
      const page = await this.page(direction, from, LOG_PAGE);
      let last: GlobalPosition | null = null;
      for (const resolved of page) {
        const record = resolved.event;
        if (!record) continue;
        const position = toGlobalPosition(record.position);
        const beyond =
          direction === FORWARDS ? isAfter(position, from) : !from || comparePositions(position, from) < 0;
        if (!beyond) continue;
        last = position;
        yield { resolved, streamId: record.streamId, position };
      }
      if (page.length < LOG_PAGE || last === null) return;
      from = last;
    }
  }

  /**
   * Run events strictly after `after` (a forwards read of `$all` starts AT its position, so that one is
   * skipped), leaving out system events, other streams and erased events; pages on until `limit` events or
   * the end of the log.
   */
  async readAll(after: GlobalPosition | null, limit: number): Promise<RecordedEvent[]> {
    const out: RecordedEvent[] = [];
    if (limit <= 0) return out;
    const pass = this.takePass(after);
    for await (const { resolved, streamId } of this.records(FORWARDS, after)) {
      if (!isRunStream(streamId)) continue;
      const e = toRecordedEvent(resolved);
      if (!e || !(await pass.keep(e))) continue;
      out.push(e);
      if (out.length === limit) break;
    }
    if (out.length > 0) this.keepPass(out[out.length - 1].position, pass);
    return out;
  }

  private takePass(after: GlobalPosition | null): FirstReadableRevisions {
    const key = positionToString(after);
    const pass = this.passes.get(key);
    this.passes.delete(key);
    return pass ?? new FirstReadableRevisions(this.firstReadable);
  }

  private keepPass(end: GlobalPosition, pass: FirstReadableRevisions): void {
    if (this.passes.size >= KEPT_PASSES) this.passes.delete(this.passes.keys().next().value as string);
    this.passes.set(positionToString(end), pass);
  }

  /**
   * Position of the newest run event, looking back at most HEAD_SCAN_LIMIT raw records (null: none there).
   * Never a system record or another stream's: a subscription filtered to run streams delivers exactly this
   * event, so a reader waiting for the head reaches it (a filtered-out record is only passed by a checkpoint,
   * which the server sends every 32 filtered records, so a wait for it could last until the next writes).
   */
  async headPosition(): Promise<GlobalPosition | null> {
    let scanned = 0;
    for await (const { resolved, streamId, position } of this.records(BACKWARDS, null)) {
      if (isRunStream(streamId) && toRecordedEvent(resolved)) return position;
      if (++scanned === HEAD_SCAN_LIMIT) break;
    }
    return null;
  }

  /**
   * Events after `after`, decided by positions first: when the newest run event is not after `after`, the lag
   * is 0 without reading the log. Otherwise counts from `after` up to that head only, and at most
   * LAG_COUNT_LIMIT (and `cap`) events, so a lag query never reads the whole log.
   */
  async countAfter(after: GlobalPosition | null, cap: number = LAG_COUNT_LIMIT): Promise<number> {
    const head = await this.headPosition();
    if (!head || !isAfter(head, after)) return 0;
    const limit = Math.min(cap, LAG_COUNT_LIMIT);
    let count = 0;
    let from = after;
    while (count < limit) {
      const page = await this.readAll(from, Math.min(limit - count, LOG_PAGE));
      const upToHead = page.filter((e) => comparePositions(e.position, head) <= 0);
      count += upToHead.length;
      if (upToHead.length < page.length || page.length === 0) break;
      from = page[page.length - 1].position;
    }
    return Math.min(count, limit);
  }
}
