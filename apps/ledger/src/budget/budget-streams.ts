import { randomUUID } from 'node:crypto';
import {
  SCHEMA_VERSION,
  eventIdFor,
  evolveBudget,
  initialBudgetState,
  toBudgetStreamId,
  type BudgetDecision,
  type BudgetEvent,
  type BudgetState,
} from '@ledger/domain';
import type { EventStore, NewEvent } from '@ledger/event-store';

/** Reads and appends a user's budget stream through the event store port (never around it). */
export class BudgetStreams {
  constructor(private readonly store: EventStore) {}

  async load(userId: string): Promise<BudgetState> {
    const state = initialBudgetState();
    for (const e of await this.store.readStream(toBudgetStreamId(userId)))
      evolveBudget(
        state,
        { type: e.type, data: e.data, metadata: e.metadata } as unknown as BudgetEvent,
        e.revision,
      );
    return state;
  }

  /**
   * Appends at the state's revision (a concurrent writer makes it throw `WrongExpectedRevision`). A threshold's
   * event id is its alert id, so two instances deciding the same alert can never both store it.
   */
  async append(
    userId: string,
    state: BudgetState,
    decisions: readonly BudgetDecision[],
    actor: { userId: string; now: string },
  ): Promise<NewEvent[]> {
    const commandId = randomUUID();
    const metadata = {
      userId: actor.userId,
      commandId,
      recordedAt: actor.now,
      schemaVersion: SCHEMA_VERSION,
    };
    const events: NewEvent[] = decisions.map((d, i) => ({
      id: d.type === 'BudgetThresholdReached' ? d.data.alertId : eventIdFor(actor.userId, commandId, i),
      type: d.type,
      data: d.data,
      metadata,
    }));
    await this.store.appendToStream(toBudgetStreamId(userId), events, state.version);
    for (const e of events) evolveBudget(state, e as BudgetEvent);
    return events;
  }
}
