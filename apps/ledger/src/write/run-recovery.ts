import retry from 'async-retry';
import { LedgerError } from '@ledger/contract';
import { evolve, toRunStreamId, type RunEvent, type RunState } from '@ledger/domain';
import { DuplicateEventId, WrongExpectedRevision, type EventStore, type NewEvent } from '@ledger/event-store';
import {
  answer,
  cloneRunState,
  decideRequest,
  loadRunState,
  toNewEvents,
  toWriteError,
  type Pending,
  type PricingFunctions,
  type RunSlot,
} from './run-slot';

/**
 * Retries of one recovery when other instances keep appending to the run between its read and its append. Each
 * retry reads only what they appended; the waits are short and jittered so two writers fall out of step.
 */
export const CONFLICT_RETRY = { retries: 12, minTimeout: 2, maxTimeout: 100, factor: 2, randomize: true };

/** Folds the events appended after `state.version` (by another instance) into `state`; returns how many. */
export async function readMissing(store: EventStore, runId: string, state: RunState): Promise<number> {
  const events = await store.readStream(toRunStreamId(runId), { fromRevision: state.version + 1 });
  for (const e of events)
    evolve(state, { type: e.type, data: e.data, metadata: e.metadata } as RunEvent, e.revision);
  return events.length;
}

/**
 * Recovers a slot whose append failed because the run moved on (another instance appended, or the same
 * commandId landed there first): brings the durable state up to the log head reading only the missing events,
 * decides the failed commands again against it, in order, and appends them at once. A command the log has
 * already seen answers as before (its commandId is in the state); one no longer valid gets its own refusal.
 */
export async function recoverSlot(
  store: EventStore,
  pricing: PricingFunctions,
  slot: RunSlot,
  redo: Pending[],
): Promise<void> {
  let base = slot.base;
  let split = false;
  try {
    base ??= await loadRunState(store, slot.runId, redo[0].request.userId);
    await retry(async (bail) => {
      if (!base) return;
      await readMissing(store, slot.runId, base);
      const work = cloneRunState(base);
      const outcomes: Array<{ p: Pending; ack?: unknown; error?: unknown }> = [];
      const events: NewEvent[] = [];
      for (const p of redo) {
        try {
          const decision = decideRequest(p.request, work, pricing);
          const decided = toNewEvents(p.request, decision);
          for (const e of decided) evolve(work, e as RunEvent);
          events.push(...decided);
          outcomes.push({ p, ack: decision.ack });
        } catch (error) {
          outcomes.push({ p, error });
        }
      }
      try {
        if (events.length > 0) {
          const result = await store.appendToStream(toRunStreamId(slot.runId), events, base.version);
          work.version = result.nextRevision;
        }
      } catch (error) {
        if (error instanceof WrongExpectedRevision) throw error;
        // A reused commandId (or anything else) in a group must not sink the other commands: each goes alone.
        if (error instanceof DuplicateEventId && redo.length > 1) {
          split = true;
          slot.base = base;
          return;
        }
        return bail(error as Error);
      }
      base = work;
      slot.base = base;
      for (const o of outcomes) answer(o.p, o.error, o.ack);
    }, CONFLICT_RETRY);
  } catch (error) {
    for (const p of redo) answer(p, toWriteError(error));
    slot.base = null;
    slot.state = null;
    return;
  }
  if (split) {
    for (const p of redo) await recoverSlot(store, pricing, slot, [p]);
    return;
  }
  if (!base) return;
  slot.base = base;
  slot.state = cloneRunState(base);
  slot.durableVersion = base.version;
}

/**
 * After a refusal decided against the cache: whether the log holds events this instance has not seen (another
 * instance wrote the run). Called once everything the slot decided before is settled, so that `state` is durable;
 * the events are folded in, and the caller decides again.
 */
export async function caughtUp(store: EventStore, slot: RunSlot): Promise<boolean> {
  if (!slot.state) return false;
  const before = slot.state.version;
  if ((await readMissing(store, slot.runId, slot.state)) === 0) return false;
  if (slot.base) slot.base = cloneRunState(slot.state);
  slot.durableVersion = Math.max(slot.durableVersion, slot.state.version);
  return slot.state.version > before;
}

/**
 * A refusal by `decide` that may come from a cache behind the log, so it is checked against the log first. Not
 * another user's run: its owner cannot change, and a foreign command must cost no more than one event's read.
 */
export function isRefusal(error: unknown, state: RunState): boolean {
  if (!(error instanceof LedgerError)) return false;
  return !(error.code === 'NOT_FOUND' && state.userId !== null);
}
