import type { WriteCommandName } from '@ledger/contract';
import type { RunEventEnvelope, RunRequest, RunState } from '@ledger/domain';
import { stateBytes } from './state-size';

/** A write command of the protocol for one run, once validated: who, which command, which run, when. */
export type WriteRequest = RunRequest & { readonly name: WriteCommandName };

/** A command decided (or about to be) and waiting for its answer. */
export interface Pending {
  readonly request: WriteRequest;
  readonly resolve: (ack: unknown) => void;
  readonly reject: (error: unknown) => void;
  events: RunEventEnvelope[];
  ack: unknown;
  /** Called once the command is answered either way (releases the run's `settled`). */
  onSettled?: () => void;
}

export function answer(p: Pending, error: unknown, ack?: unknown): void {
  if (error === undefined) p.resolve(ack);
  else p.reject(error);
  p.onSettled?.();
}

/** One run in the writer: its state, its queue and its pending appends. */
export interface RunSlot {
  readonly runId: string;
  /** State including every decided event, flushed or not. */
  state: RunState | null;
  /** Approximate bytes of `state` (state-size), for the cache's size bound. */
  bytes: number;
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
    bytes: 0,
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

/** Whether a slot has work: commands waiting, decided, in flight or to decide again (such a slot is never evicted). */
export function isBusy(slot: RunSlot): boolean {
  return slot.queued > 0 || slot.unflushed.length > 0 || slot.flushing.length > 0 || slot.recovering !== null;
}

/** Puts a state read from the log (or recovered) in the slot: it is durable up to its version. */
export function adoptState(slot: RunSlot, state: RunState): void {
  slot.state = state;
  slot.bytes = stateBytes(state);
  slot.durableVersion = Math.max(slot.durableVersion, state.version);
}

/** Forgets what the slot knew of the run (it was erased): the next command reads it again. */
export function forgetState(slot: RunSlot): void {
  slot.state = null;
  slot.base = null;
  slot.bytes = 0;
  slot.durableVersion = -1;
}

/** A copy that evolves apart from the original (tasks and their chunk digests are the only nested mutables). */
export function cloneRunState(state: RunState): RunState {
  const tasks = new Map([...state.tasks].map(([id, t]) => [id, { ...t, chunkDigests: [...t.chunkDigests] }]));
  return { ...state, tasks, commands: new Map(state.commands) };
}
