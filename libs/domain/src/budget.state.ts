import { addMoney, sumMoney } from '@ledger/money';
import type { BudgetEvent, BudgetPeriod } from './budget.events';

/** Exact: enough digits that no sum is rounded. */

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
  /** Spend of erased runs by UTC day (`BudgetSpendCarried`): kept whatever budget is set or cleared. */
  readonly carried: Map<string, { cost: string; unpriced: number }>;
}

export function initialBudgetState(): BudgetState {
  return { version: -1, budget: null, reached: new Set(), carried: new Map() };
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
    case 'BudgetSpendCarried':
      for (const [day, cost] of Object.entries(event.data.days)) {
        const before = state.carried.get(day) ?? { cost: '0', unpriced: 0 };
        state.carried.set(day, {
          cost: addMoney(before.cost, cost),
          unpriced: before.unpriced + (event.data.unpricedTasks[day] ?? 0),
        });
      }
      return state;
    default: {
      const never: never = event;
      throw new Error(`unknown budget event ${(never as { type: string }).type}`);
    }
  }
}

/** The carried spend of erased runs over UTC days [from, to). */
export function carriedSpend(
  state: BudgetState,
  from: string,
  to: string,
): { cost: string; unpriced: number } {
  const days = [...state.carried].filter(([day]) => day >= from && day < to).map(([, c]) => c);
  return {
    cost: sumMoney(days.map((c) => c.cost)).toFixed(),
    unpriced: days.reduce((n, c) => n + c.unpriced, 0),
  };
}
