import { fromRunStreamId } from '@ledger/domain';
import type { EventStore, GlobalPosition, RecordedEvent } from './event-store.port';

/** Reads the whole log in global order, page by page; resolves with the number of events visited. */
export async function scanLog(
  store: Pick<EventStore, 'readAll'>,
  visit: (event: RecordedEvent) => void,
  pageSize = 5000,
): Promise<number> {
  let after: GlobalPosition | null = null;
  let count = 0;
  for (;;) {
    const page = await store.readAll(after, pageSize);
    if (page.length === 0) return count;
    for (const e of page) visit(e);
    count += page.length;
    after = page[page.length - 1].position;
  }
}

/**
 * The events after `after`, in global order, batch by batch: the store's own whole-log read where it has one
 * (`readLog`), else pages of `readAll`, the next page read while the caller works on this one.
 */
export async function* logBatches(
  store: Pick<EventStore, 'readAll' | 'readLog'>,
  after: GlobalPosition | null,
  pageSize: number,
): AsyncGenerator<RecordedEvent[]> {
  if (store.readLog) {
    yield* store.readLog(after);
    return;
  }
  let next = store.readAll(after, pageSize);
  for (;;) {
    const page = await next;
    if (page.length === 0) return;
    next = store.readAll(page[page.length - 1].position, pageSize);
    next.catch(() => undefined); // awaited on the next turn; a failure then is the one thrown
    yield page;
  }
}

/** `EventStore.runIdsOfUser` for a store without an index to ask: a scan of the log. */
export async function scanRunIdsOfUser(
  store: Pick<EventStore, 'readAll'>,
  userId: string,
): Promise<string[]> {
  const ids: string[] = [];
  await scanLog(store, (e) => {
    const runId = fromRunStreamId(e.streamId);
    if (runId !== null && e.type === 'RunStarted' && e.data.userId === userId) ids.push(runId);
  });
  return ids;
}

/** `EventStore.runIdsWithModel` for a store without an index to ask: a scan of the log. */
export async function scanRunIdsWithModel(
  store: Pick<EventStore, 'readAll'>,
  model: string | undefined,
): Promise<string[]> {
  const ids = new Set<string>();
  await scanLog(store, (e) => {
    const runId = fromRunStreamId(e.streamId);
    if (runId === null || e.type !== 'TaskCreated') return;
    if (model === undefined || e.data.model === model) ids.add(runId);
  });
  return [...ids];
}
