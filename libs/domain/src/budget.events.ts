import type { EventMetadata } from './events';
import { ledgerUuid } from './ids';

/**
 * The budget of one user: its own stream `budget-<userId>`, so the history of every limit and every alert is kept
 * in the log beside the runs (the projector reads `run-` streams only, so these never reach the run tables).
 */

export const budgetPeriods = ['day', 'month'] as const;
export type BudgetPeriod = (typeof budgetPeriods)[number];

/** The one function that owns the budget stream id format. */
/** The one place the budget stream id is spelled (as `RUN_STREAM_PREFIX` is for runs). */
export const BUDGET_STREAM_PREFIX = 'budget-';

export function toBudgetStreamId(userId: string): string {
  return `${BUDGET_STREAM_PREFIX}${userId}`;
}
export function fromBudgetStreamId(streamId: string): string | null {
  return streamId.startsWith(BUDGET_STREAM_PREFIX) ? streamId.slice(BUDGET_STREAM_PREFIX.length) : null;
}

export interface BudgetSetData {
  readonly userId: string;
  readonly period: BudgetPeriod;
  /** USD, exact decimal string. */
  readonly limit: string;
  /** Fractions of the limit, ascending, each raising one alert per period. */
  readonly alertAt: readonly number[];
  readonly hard: boolean;
  readonly setAt: string;
}
export interface BudgetClearedData {
  readonly userId: string;
  readonly clearedAt: string;
}
export interface BudgetThresholdReachedData {
  /** Derived from the user, the budget's revision, the period and the threshold: two deciders derive the same. */
  readonly alertId: string;
  readonly userId: string;
  readonly period: BudgetPeriod;
  /** `2025-01-31` (a day) or `2025-01` (a month). */
  readonly periodKey: string;
  readonly threshold: number;
  readonly limit: string;
  readonly spent: string;
  readonly reachedAt: string;
}

/**
 * The cost of a run the user erased, kept for budgets: erasing a run removes its tasks from `usage_daily`, and a
 * user must not win back budget by deleting runs. Per UTC day of the tasks' end (the days of the current period).
 */
export interface BudgetSpendCarriedData {
  readonly userId: string;
  readonly runId: string;
  /** `YYYY-MM-DD` → exact decimal sum of the costs of the run's tasks that ended that day. */
  readonly days: Readonly<Record<string, string>>;
  /** `YYYY-MM-DD` → how many of them had no price. */
  readonly unpricedTasks: Readonly<Record<string, number>>;
  readonly carriedAt: string;
}

export type BudgetEvent =
  | { readonly type: 'BudgetSet'; readonly data: BudgetSetData; readonly metadata: EventMetadata }
  | { readonly type: 'BudgetCleared'; readonly data: BudgetClearedData; readonly metadata: EventMetadata }
  | {
      readonly type: 'BudgetThresholdReached';
      readonly data: BudgetThresholdReachedData;
      readonly metadata: EventMetadata;
    }
  | {
      readonly type: 'BudgetSpendCarried';
      readonly data: BudgetSpendCarriedData;
      readonly metadata: EventMetadata;
    };
export type BudgetEventType = BudgetEvent['type'];
export const BUDGET_EVENT_TYPES: readonly BudgetEventType[] = [
  'BudgetSet',
  'BudgetCleared',
  'BudgetThresholdReached',
  'BudgetSpendCarried',
];

export function budgetAlertIdFor(
  userId: string,
  budgetRevision: number,
  periodKey: string,
  threshold: number,
): string {
  return ledgerUuid(`${userId}/budget/${budgetRevision}/${periodKey}/${threshold}`);
}

/** One carry per run (a run is erased once): a retried `run.delete` cannot carry its cost twice. */
export function budgetCarryIdFor(userId: string, runId: string): string {
  return ledgerUuid(`${userId}/budget-carry/${runId}`);
}
