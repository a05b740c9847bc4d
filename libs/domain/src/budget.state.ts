import type { BudgetEvent, BudgetPeriod } from './budget.events';

export interface ActiveBudget {
  readonly period: BudgetPeriod;
  readonly limit: string;
  readonly alertAt: readonly number[];
  readonly hard: boolean;
  /** Revision of its `BudgetSet`: setting a budget again starts its thresholds afresh. */
  readonly revision: number;
}

export interface BudgetState {
  /** Revision of the stream's last event (-1: no stream). */
  version: number;
  budget: ActiveBudget | null;
  /** `<periodKey>|<threshold>` of the thresholds already reached under the current budget. */
  readonly reached: Set<string>;
}

export function initialBudgetState(): BudgetState {
  return { version: -1, budget: null, reached: new Set() };
}

export function reachedKey(periodKey: string, threshold: number): string {
  return `${periodKey}|${threshold}`;
}

export function evolveBudget(state: BudgetState, event: BudgetEvent, revision?: number): BudgetState {
  state.version = revision ?? state.version + 1;
  switch (event.type) {
    case 'BudgetSet': {
      const { period, limit, alertAt, hard } = event.data;
      state.budget = { period, limit, alertAt, hard, revision: state.version };
      state.reached.clear();
      return state;
    }
    case 'BudgetCleared':
      state.budget = null;
      state.reached.clear();
      return state;
    case 'BudgetThresholdReached':
      state.reached.add(reachedKey(event.data.periodKey, event.data.threshold));
      return state;
    default: {
      const never: never = event;
      throw new Error(`unknown budget event ${(never as { type: string }).type}`);
    }
  }
}
