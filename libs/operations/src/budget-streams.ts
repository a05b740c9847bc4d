import { randomUUID } from 'node:crypto';
import {
  SCHEMA_VERSION,
  budgetCarryIdFor,
  eventIdFor,
  evolveBudget,
  initialBudgetState,
  toBudgetStreamId,
  type BudgetDecision,
  type BudgetEvent,
  type BudgetState,
} from '@ledger/domain';
import type { EventStore, NewEvent } from '@ledger/event-store';

/**
 * A threshold's event id is its alert id, a carry's is derived from its run: two deciders of the same fact write
 * the same id, so the store keeps one. Other decisions are new facts, with ids of their own.
 */
function eventIdOf(d: BudgetDecision, actor: string, commandId: string, index: number): string {
  if (d.type === 'BudgetThresholdReached') return d.data.alertId;
  if (d.type === 'BudgetSpendCarried') return budgetCarryIdFor(d.data.userId, d.data.runId);
  return eventIdFor(actor, commandId, index);
}

/** Reads and appends a user's budget stream through the event store port (never around it). */
export class BudgetStreams {
  constructor(private readonly store: EventStore) {}

  async load(userId: string): Promise<BudgetState> {
    const state = initialBudgetState();
    for (const e of await this.store.readStream<BudgetEvent>(toBudgetStreamId(userId)))
      evolveBudget(state, e, e.revision);
    return state;
  }

  /**
   * Appends at the state's revision (a concurrent writer makes it throw `WrongExpectedRevision`; a fact already
   * stored, `DuplicateEventId`).
   */
  async append(
    userId: string,
    state: BudgetState,
    decisions: readonly BudgetDecision[],
    actor: { userId: string; now: string },
  ): Promise<Array<BudgetEvent & NewEvent>> {
    const commandId = randomUUID();
    const metadata = {
      userId: actor.userId,
      commandId,
      recordedAt: actor.now,
      schemaVersion: SCHEMA_VERSION,
    };
    const events = decisions.map((d, i) => ({
      ...d,
      id: eventIdOf(d, actor.userId, commandId, i),
      metadata,
    }));
    await this.store.appendToStream(toBudgetStreamId(userId), events, state.version);
    for (const e of events) evolveBudget(state, e);
    return events;
  }
}
