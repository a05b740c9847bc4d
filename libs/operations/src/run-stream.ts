import { ledgerErrors } from '@ledger/contract';
import {
  evolve,
  initialRunState,
  isErasure,
  toRunStreamId,
  type RunEventEnvelope,
  type RunState,
} from '@ledger/domain';
import type { EventStore, RecordedEvent } from '@ledger/event-store';

/** A run's stream through the event store port: its state folded from the log, and decided events written. */

function foldInto(state: RunState, events: readonly RecordedEvent[]): void {
  for (const e of events) evolve(state, e, e.revision);
}

/**
 * A run's state folded from the store. With `userId`, the owner is checked on the first event alone (`RunStarted`
 * names the user) before the rest is read, so a command on another user's run costs one event's read: no timing
 * tells the size of a foreign run. Without it (an operator command, in the owner's name) the whole run is read.
 */
export async function loadRunState(store: EventStore, runId: string, userId?: string): Promise<RunState> {
  const streamId = toRunStreamId(runId);
  const [first] = await store.readStream(streamId, { maxCount: 1 });
  if (userId !== undefined && first?.type === 'RunStarted' && first.data.userId !== userId)
    throw ledgerErrors.runNotFound();
  const state = initialRunState();
  if (first) foldInto(state, [first, ...(await store.readStream(streamId, { fromRevision: 1 }))]);
  return state;
}

/** Folds the events appended after `state.version` (by another writer) into `state`; returns how many. */
export async function readMissing(store: EventStore, runId: string, state: RunState): Promise<number> {
  const events = await store.readStream(toRunStreamId(runId), { fromRevision: state.version + 1 });
  foldInto(state, events);
  return events.length;
}

/**
 * Writes what `handle` decided for a run read at `expectedRevision`: a tombstone by erasing the stream (the store
 * keeps it alone; no revision to check), anything else appended at that revision (`WrongExpectedRevision` when
 * another writer moved it).
 */
export async function writeHandled(
  store: EventStore,
  runId: string,
  expectedRevision: number,
  events: readonly RunEventEnvelope[],
): Promise<void> {
  if (events.length === 0) return;
  const streamId = toRunStreamId(runId);
  if (isErasure(events)) await store.eraseStream(streamId, events[0]);
  else await store.appendToStream(streamId, events, expectedRevision);
}
