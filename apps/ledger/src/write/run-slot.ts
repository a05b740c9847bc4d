import { LedgerError, type WriteCommandName } from '@ledger/contract';
import {
  evolve,
  initialRunState,
  toRunStreamId,
  type RunCommand,
  type RunEvent,
  type RunState,
} from '@ledger/domain';
import {
  DuplicateEventId,
  StoreUnavailable,
  UnstorableEvent,
  WrongExpectedRevision,
  type EventStore,
  type NewEvent,
} from '@ledger/event-store';

export interface WriteRequest {
  readonly name: WriteCommandName;
  readonly runId: string;
  readonly payload: RunCommand['data'];
  readonly userId: string;
  readonly commandId: string;
  readonly payloadHash: string;
  /** ISO time of the command, taken once. */
  readonly now: string;
}

/** A command decided (or about to be) and waiting for its answer. */
export interface Pending {
  readonly request: WriteRequest;
  readonly resolve: (ack: unknown) => void;
  readonly reject: (error: unknown) => void;
  events: NewEvent[];
  ack: unknown;
  /** Called once the command is answered either way (releases the run's `settled`). */
  onSettled?: () => void;
}

export function answer(p: Pending, error: unknown, ack?: unknown): void {
  if (error === undefined) p.resolve(ack);
  else p.reject(error);
  p.onSettled?.();
}

/** One run in the writer's cache: its state, its queue and its pending appends. */
export interface RunSlot {
  readonly runId: string;
  /** State including every decided event, flushed or not. */
  state: RunState | null;
  /** Revision of the last durable event. */
  durableVersion: number;
  /** Commands decided but not yet appended, in order. */
  unflushed: Pending[];
  /** The commands of the append in flight for this run. */
  flushing: Pending[];
  /** Serialises deciding per run. */
  chain: Promise<void>;
  /** Resolves when the last command decided so far is durable. */
  settled: Promise<void>;
  /** Commands submitted and not yet decided (the slot is not dropped while any wait). */
  queued: number;
}

export function newSlot(runId: string): RunSlot {
  return {
    runId,
    state: null,
    durableVersion: -1,
    unflushed: [],
    flushing: [],
    chain: Promise.resolve(),
    settled: Promise.resolve(),
    queued: 0,
  };
}

/**
 * A run's state folded from the store. The owner is checked on the first event alone (`RunStarted` names the
 * user) before the rest is read, so a command on another user's run costs one event's read and caches nothing:
 * no timing tells the size of a foreign run, and no foreign run takes a place in the cache.
 */
export async function loadRunState(store: EventStore, runId: string, userId: string): Promise<RunState> {
  const streamId = toRunStreamId(runId);
  const [first] = await store.readStream(streamId, { maxCount: 1 });
  if (first?.type === 'RunStarted' && (first.data as { userId?: string }).userId !== userId)
    throw new LedgerError('NOT_FOUND', 'run not found');
  const events = first ? [first, ...(await store.readStream(streamId, { fromRevision: 1 }))] : [];
  const state = initialRunState();
  for (const e of events)
    evolve(state, { type: e.type, data: e.data, metadata: e.metadata } as RunEvent, e.revision);
  return state;
}

/** A store failure of one command's append, as the protocol error its ack carries. */
export function toWriteError(error: unknown): unknown {
  if (error instanceof DuplicateEventId)
    return new LedgerError('CONFLICT', 'commandId was already used for a different command');
  if (error instanceof StoreUnavailable)
    return new LedgerError('UNAVAILABLE', 'the event store is unavailable; retry with the same commandId');
  if (error instanceof UnstorableEvent)
    return new LedgerError(
      'VALIDATION',
      'the command holds text the event store cannot keep (NUL or a lone surrogate)',
    );
  if (error instanceof WrongExpectedRevision)
    return new LedgerError('CONFLICT', 'the run is being written elsewhere; retry');
  return error;
}
