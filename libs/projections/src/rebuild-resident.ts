import { toRunStreamId } from '@ledger/domain';
import {
  comparePositions,
  type EventStore,
  type GlobalPosition,
  type RecordedEvent,
} from '@ledger/event-store';
import { foldBatch, runIdOf } from './run-view.batch';
import type { FoldScratch, RunViewModel } from './run-view.fold';
import { SHADOW_TABLES, type Queryable } from './projector.sql';
import { deleteSearchDocuments } from './rebuild-search';

/** The part of the rebuild's fold state this needs. */
export interface ResidentFold {
  readonly views: Map<string, RunViewModel | null>;
  readonly failures: ReadonlyMap<string, unknown>;
  readonly skipped: ReadonlySet<string>;
  readonly scratch: FoldScratch;
}

/** Views dropped from memory are written this many runs at a time (a statement of 2,000 rows per table at most). */
const FLUSH_RUNS = 500;

/**
 * The rebuild's bound on memory: at most `limit` run views stay in memory. Beyond it the runs touched least recently
 * (never a run the fold stopped: its failure is written at the end) are handed to `flush` and dropped. A dropped run
 * the log touches again is folded again from its own stream, up to where the rebuild is, and then stays in memory:
 * its first rows are deleted before the indexes are built (`deleteStaleRows`), and the final ones written at the end.
 */
export class ResidentRuns {
  /** Run id → nothing, in order of last touch (a Map keeps insertion order: the first is the least recent). */
  private readonly order = new Map<string, true>();
  private readonly evicted = new Set<string>();
  /** Runs brought back while loading: kept in memory to the end, their earlier rows deleted. */
  private readonly pinned = new Set<string>();

  constructor(private readonly limit: number) {}

  get evictedAny(): boolean {
    return this.evicted.size > 0;
  }

  touch(page: readonly RecordedEvent[]): void {
    let last: string | null = null;
    for (const event of page) {
      // A run's events mostly come one after another: touching it again at once changes no order.
      if (event.streamId === last) continue;
      last = event.streamId;
      const runId = runIdOf(event);
      if (!runId) continue;
      this.order.delete(runId);
      this.order.set(runId, true);
    }
  }

  /**
   * Folds again, from their streams up to `position`, the dropped runs that `page` touches, and puts their views
   * back in `fold.views`; returns them. `pin`: they stay in memory and their rows written so far are stale.
   */
  async revive(
    store: EventStore,
    fold: ResidentFold,
    page: readonly RecordedEvent[],
    position: GlobalPosition | null,
    pin = true,
  ): Promise<Map<string, RunViewModel | null>> {
    const back = new Map<string, RunViewModel | null>();
    if (this.evicted.size === 0) return back;
    for (const event of page) {
      const runId = runIdOf(event);
      if (!runId || !this.evicted.has(runId) || back.has(runId)) continue;
      const events = (await store.readStream(toRunStreamId(runId))).filter(
        (e) => position !== null && comparePositions(e.position, position) <= 0 && !fold.skipped.has(e.id),
      );
      const folded = foldBatch(new Map([[runId, null]]), events, {
        skipped: fold.skipped,
        scratch: fold.scratch,
        viewsOnly: true,
      });
      const view = folded.after.get(runId) ?? null;
      back.set(runId, view);
      fold.views.set(runId, view);
      this.evicted.delete(runId);
      if (pin) this.pinned.add(runId);
    }
    return back;
  }

  /** Drops the least recently touched views beyond the limit, handing them to `flush` in groups. */
  async evict(
    fold: ResidentFold,
    flush: (views: Array<RunViewModel | null>) => Promise<void>,
  ): Promise<void> {
    // Some slack, so that views leave in groups (one statement per group), not one run per page.
    if (fold.views.size <= this.limit + Math.min(FLUSH_RUNS, this.limit)) return;
    const out: Array<RunViewModel | null> = [];
    for (const runId of this.order.keys()) {
      if (fold.views.size <= this.limit) break;
      if (fold.failures.has(runId) || this.pinned.has(runId) || !fold.views.has(runId)) continue;
      out.push(fold.views.get(runId) ?? null);
      fold.views.delete(runId);
      this.order.delete(runId);
      this.evicted.add(runId);
      if (out.length >= FLUSH_RUNS) await flush(out.splice(0));
    }
    if (out.length) await flush(out);
  }

  /**
   * Deletes the rows written for the runs brought back (a sequential scan of the unindexed shadow tables, once), and
   * their search documents.
   */
  async deleteStaleRows(q: Queryable): Promise<void> {
    if (this.pinned.size === 0) return;
    const ids = [...this.pinned];
    await q.query(`DELETE FROM ${SHADOW_TABLES.tasks} WHERE run_id = ANY($1::uuid[])`, [ids]);
    await q.query(`DELETE FROM ${SHADOW_TABLES.runs} WHERE id = ANY($1::uuid[])`, [ids]);
    await deleteSearchDocuments(q, ids);
  }
}
