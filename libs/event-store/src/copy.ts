import { isRunStreamId } from '@ledger/domain';
import type { EventStore, GlobalPosition, RecordedEvent } from './event-store.port';

/** Copies every run stream from one event store to another (PostgreSQL ↔ EventStoreDB), e.g. to switch stores. */

export interface CopyStoreOptions {
  readonly from: EventStore;
  readonly to: EventStore;
  /** Called after each page of the source's log with the running totals written so far. */
  readonly onProgress?: (events: number, streams: number) => void;
  /** Events read from the source's log per page. */
  readonly pageSize?: number;
}

export interface CopyResult {
  /** Streams that received events in this run. */
  readonly streams: number;
  /** Events written in this run. */
  readonly events: number;
}

/** The target already holds events of a stream that are not the source's, in the source's order. */
export class CopyDivergence extends Error {
  constructor(
    readonly streamId: string,
    readonly sourceEventId: string,
    readonly targetEventId: string,
  ) {
    super(
      `stream ${streamId}: the target holds event ${targetEventId} where the source has ${sourceEventId}; refusing to copy`,
    );
    this.name = 'CopyDivergence';
  }
}

interface StreamCopy {
  /** The source's first readable revision: older events still in its log were erased (EventStoreDB, before a scavenge). */
  readonly firstReadable: number;
  /** Ids the target already holds, in order; the source's events must match them before anything is appended. */
  readonly targetIds: readonly string[];
  matched: number;
  targetRevision: number;
  written: boolean;
}

/**
 * Reads the source's log in global order (`readAll`), groups each page by stream and appends each group to the
 * target at the target's exact revision, keeping ids, types, data and metadata. Re-running is safe: a stream
 * whose target events already match the source's is skipped, and a stream that grew since is topped up.
 *
 * Erased streams are copied as what stays readable (the `RunDeleted` tombstone), so revisions of an erased
 * stream start again at 0 in the target; every other stream keeps its revisions. Stop writers to the source
 * for an exact copy, or re-run to catch up.
 */
export async function copyStore({
  from,
  to,
  onProgress,
  pageSize = 1000,
}: CopyStoreOptions): Promise<CopyResult> {
  const streams = new Map<string, StreamCopy>();
  let events = 0;
  let written = 0;
  let after: GlobalPosition | null = null;

  const open = async (streamId: string): Promise<StreamCopy> => {
    const [first] = await from.readStream(streamId, { maxCount: 1 });
    const target = await to.readStream(streamId);
    const state: StreamCopy = {
      firstReadable: first ? first.revision : Number.POSITIVE_INFINITY,
      targetIds: target.map((e) => e.id),
      matched: 0,
      targetRevision: target.length ? target[target.length - 1].revision : -1,
      written: false,
    };
    streams.set(streamId, state);
    return state;
  };

  for (;;) {
    const page = await from.readAll(after, pageSize);
    if (page.length === 0) break;
    after = page[page.length - 1].position;

    const groups = new Map<string, RecordedEvent[]>();
    for (const e of page) {
      if (!isRunStreamId(e.streamId)) continue;
      groups.set(e.streamId, [...(groups.get(e.streamId) ?? []), e]);
    }

    for (const [streamId, group] of groups) {
      const state = streams.get(streamId) ?? (await open(streamId));
      const toWrite: RecordedEvent[] = [];
      for (const e of group) {
        if (e.revision < state.firstReadable) continue;
        if (state.matched < state.targetIds.length) {
          const present = state.targetIds[state.matched];
          if (present !== e.id) throw new CopyDivergence(streamId, e.id, present);
          state.matched += 1;
          continue;
        }
        toWrite.push(e);
      }
      if (toWrite.length === 0) continue;
      const result = await to.appendToStream(
        streamId,
        toWrite.map(({ id, type, data, metadata }) => ({ id, type, data, metadata })),
        state.targetRevision,
      );
      state.targetRevision = result.nextRevision;
      events += toWrite.length;
      if (!state.written) {
        state.written = true;
        written += 1;
      }
    }
    onProgress?.(events, written);
  }
  return { streams: written, events };
}
