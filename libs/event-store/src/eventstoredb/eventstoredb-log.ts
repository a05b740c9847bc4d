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
   * Run events strictly after `after` (a forwards read of `$all` starts AT its position, so that one is
   * skipped), leaving out system events, other streams and erased events; pages on until `limit` events or
   * the end of the log.
   */
  async readAll(after: GlobalPosition | null, limit: number): Promise<RecordedEvent[]> {
    const out: RecordedEvent[] = [];
    if (limit <= 0) return out;
    const pass = this.takePass(after);
    let from = after;
    for (;;) {
      const records = await this.page(FORWARDS, from, LOG_PAGE);
      let lastRaw: GlobalPosition | null = null;
      for (const resolved of records) {
        const record = resolved.event;
        if (!record) continue;
        const position = toGlobalPosition(record.position);
        if (!isAfter(position, from)) continue;
        lastRaw = position;
        if (!isRunStream(record.streamId)) continue;
        const e = toRecordedEvent(resolved);
        if (!e || !(await pass.keep(e))) continue;
        out.push(e);
        if (out.length === limit) break;
      }
      if (out.length === limit || records.length < LOG_PAGE || lastRaw === null) break;
      from = lastRaw;
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
    let from: GlobalPosition | null = null;
    for (let scanned = 0; scanned < HEAD_SCAN_LIMIT;) {
      const records = await this.page(BACKWARDS, from, LOG_PAGE);
      let oldest: GlobalPosition | null = null;
      for (const resolved of records) {
        const record = resolved.event;
        if (!record) continue;
        const position = toGlobalPosition(record.position);
        if (from && comparePositions(position, from) >= 0) continue;
        oldest = position;
        if (isRunStream(record.streamId) && toRecordedEvent(resolved)) return position;
      }
      scanned += records.length;
      if (records.length < LOG_PAGE || oldest === null) return null;
      from = oldest;
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
