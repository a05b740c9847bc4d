import { LedgerError, type WriteCommandName } from '@ledger/contract';
import {
  SCHEMA_VERSION,
  decide,
  eventIdFor,
  evolve,
  initialRunState,
  toRunStreamId,
  type DecideContext,
  type Decision,
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
  /**
   * The durable state, apart from `state`, kept only for a run that another instance has written (after its
   * first conflict): a later conflict then reads just the events after it, not the whole stream.
   */
  base: RunState | null;
  /** Commands of a failed append (another instance wrote the run), to decide again before anything else. */
  recovering: Pending[] | null;
  /** Called after the slot's append in flight settles, either way. */
  afterAppend: Array<() => void>;
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
    base: null,
    recovering: null,
    afterAppend: [],
  };
}

/** Pure pricing functions the writer hands to `decide`. */
export type PricingFunctions = Pick<DecideContext, 'price' | 'estimate'>;

export function decideRequest(request: WriteRequest, state: RunState, pricing: PricingFunctions): Decision {
  return decide({ type: request.name, data: request.payload } as RunCommand, state, {
    userId: request.userId,
    commandId: request.commandId,
    now: request.now,
    payloadHash: request.payloadHash,
    price: pricing.price,
    estimate: pricing.estimate,
  });
}

/** A decision's events as the store takes them: ids derived from the commandId, so a retry cannot double them. */
export function toNewEvents(request: WriteRequest, decision: Decision): NewEvent[] {
  const metadata = {
    userId: request.userId,
    commandId: request.commandId,
    recordedAt: request.now,
    schemaVersion: SCHEMA_VERSION,
    command: request.name,
    payloadHash: request.payloadHash,
  };
  return decision.events.map((e, i) => ({
    id: eventIdFor(request.userId, request.commandId, i),
    type: e.type,
    data: e.data,
    metadata,
  }));
}

/** A copy that evolves apart from the original (tasks and their chunk digests are the only nested mutables). */
export function cloneRunState(state: RunState): RunState {
  const tasks = new Map([...state.tasks].map(([id, t]) => [id, { ...t, chunkDigests: [...t.chunkDigests] }]));
  return { ...state, tasks, commands: new Map(state.commands) };
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
