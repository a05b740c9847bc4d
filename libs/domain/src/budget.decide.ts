import { Money, money } from '@ledger/money';
import {
  budgetAlertIdFor,
  type BudgetClearedData,
  type BudgetPeriod,
  type BudgetSetData,
  type BudgetSpendCarriedData,
  type BudgetThresholdReachedData,
} from './budget.events';
import { periodBounds } from './budget.period';
import { reachedKey, type BudgetState } from './budget.state';

/** Decisions on a user's budget stream: pure, `now` and the spend come in from the caller. */

export const DEFAULT_ALERT_AT: readonly number[] = [0.5, 0.8, 1.0];

export type BudgetDecision =
  | { readonly type: 'BudgetSet'; readonly data: BudgetSetData }
  | { readonly type: 'BudgetCleared'; readonly data: BudgetClearedData }
  | { readonly type: 'BudgetThresholdReached'; readonly data: BudgetThresholdReachedData }
  | { readonly type: 'BudgetSpendCarried'; readonly data: BudgetSpendCarriedData };

export interface SetBudget {
  readonly userId: string;
  readonly period: BudgetPeriod;
  readonly limit: string;
  readonly alertAt?: readonly number[];
  readonly hard?: boolean;
}

/** Exact: enough digits that no limit or sum is rounded. */

/** A new `BudgetSet`, or nothing when the same budget is already in force (a repeated set writes nothing). */
export function decideSetBudget(state: BudgetState, cmd: SetBudget, now: string): BudgetDecision[] {
  const alertAt = [...new Set(cmd.alertAt ?? DEFAULT_ALERT_AT)].sort((a, b) => a - b);
  const data: BudgetSetData = {
    userId: cmd.userId,
    period: cmd.period,
    limit: money(cmd.limit),
    alertAt,
    hard: cmd.hard ?? true,
    setAt: now,
  };
  const b = state.budget;
  if (
    b &&
    b.period === data.period &&
    b.limit === data.limit &&
    b.hard === data.hard &&
    b.alertAt.join() === data.alertAt.join()
  )
    return [];
  return [{ type: 'BudgetSet', data }];
}

export function decideClearBudget(state: BudgetState, userId: string, now: string): BudgetDecision[] {
  return state.budget ? [{ type: 'BudgetCleared', data: { userId, clearedAt: now } }] : [];
}

/** Every threshold the spend has reached in the current period and that was not reached before. */
export function decideThresholds(
  state: BudgetState,
  userId: string,
  spent: string,
  now: Date,
): BudgetDecision[] {
  const b = state.budget;
  if (!b) return [];
  const { key } = periodBounds(b.period, now);
  const spentD = new Money(spent);
  return b.alertAt
    .filter((t) => !state.reached.has(reachedKey(key, t)) && spentD.gte(new Money(b.limit).times(t)))
    .map((threshold) => ({
      type: 'BudgetThresholdReached' as const,
      data: {
        alertId: budgetAlertIdFor(userId, b.revision, key, threshold),
        userId,
        period: b.period,
        periodKey: key,
        threshold,
        limit: b.limit,
        spent: money(spent),
        reachedAt: now.toISOString(),
      },
    }));
}

export interface BudgetStatus {
  readonly period: BudgetPeriod;
  readonly limit: string;
  readonly spent: string;
  /** limit − spent, never below 0. */
  readonly remaining: string;
  readonly resetsAt: string;
  readonly hard: boolean;
  /** spent ≥ limit. */
  readonly exhausted: boolean;
}

export function budgetStatus(state: BudgetState, spent: string, now: Date): BudgetStatus | null {
  const b = state.budget;
  if (!b) return null;
  const left = new Money(b.limit).minus(spent);
  return {
    period: b.period,
    limit: b.limit,
    spent: money(spent),
    remaining: Money.max(left, 0).toFixed(),
    resetsAt: periodBounds(b.period, now).resetsAt,
    hard: b.hard,
    exhausted: new Money(spent).gte(b.limit),
  };
}

/** Keeps an erased run's cost (nothing when it had none in the period). */
export function decideCarrySpend(
  state: BudgetState,
  userId: string,
  runId: string,
  spend: Pick<BudgetSpendCarriedData, 'days' | 'unpricedTasks'>,
  now: string,
): BudgetDecision[] {
  if (!Object.keys(spend.days).length && !Object.keys(spend.unpricedTasks).length) return [];
  return [{ type: 'BudgetSpendCarried', data: { userId, runId, ...spend, carriedAt: now } }];
}
