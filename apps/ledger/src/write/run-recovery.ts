import { LedgerError } from '@ledger/contract';
import {
  evolve,
  handle,
  toRunStreamId,
  type PricingFunctions,
  type RunEventEnvelope,
  type RunState,
} from '@ledger/domain';
import { DuplicateEventId, retryOnConflict, type EventStore } from '@ledger/event-store';
import { loadRunState, readMissing } from '@ledger/operations';
import { adoptState, answer, cloneRunState, type Pending, type RunSlot } from './run-slot';
import { stateBytes } from './state-size';
import { toWriteError } from './write-errors';

/**
 * Recovers a slot whose append failed because the run moved on (another instance appended, or the same
 * commandId landed there first): brings the durable state up to the log head reading only the missing events,
 * handles the failed commands again against it, in order, and appends them at once, under the one conflict retry
 * (other instances may keep appending). A command the log has already seen answers as before (its commandId is in
 * the state); one no longer valid gets its own refusal.
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
    await retryOnConflict(async () => {
      if (!base) return;
      await readMissing(store, slot.runId, base);
      const work = cloneRunState(base);
      const outcomes: Array<{ p: Pending; ack?: unknown; error?: unknown }> = [];
      const events: RunEventEnvelope[] = [];
      for (const p of redo) {
        try {
          const handled = handle(work, p.request, pricing);
          for (const e of handled.events) evolve(work, e);
          events.push(...handled.events);
          outcomes.push({ p, ack: handled.ack });
        } catch (error) {
          outcomes.push({ p, error });
        }
      }
      try {
        if (events.length > 0)
          work.version = (
            await store.appendToStream(toRunStreamId(slot.runId), events, base.version)
          ).nextRevision;
      } catch (error) {
        // A reused commandId (or anything else) in a group must not sink the other commands: each goes alone.
        if (error instanceof DuplicateEventId && redo.length > 1) {
          split = true;
          slot.base = base;
          return;
        }
        throw error;
      }
      base = work;
      slot.base = base;
      for (const o of outcomes) answer(o.p, o.error, o.ack);
    });
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
  adoptState(slot, cloneRunState(base));
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
  slot.bytes = stateBytes(slot.state);
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
