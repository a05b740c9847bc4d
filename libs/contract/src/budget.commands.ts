import { z } from 'zod';
import { uuid } from './fields';

/** The budget commands (docs/protocol.md §4, Budgets). Money is a decimal string (USD), never a float. */

/** A non-negative decimal amount: digits, an optional fraction, no sign, no exponent. */
export const decimalAmount = z
  .string()
  .max(40)
  .regex(/^\d{1,18}(\.\d{1,18})?$/, 'a decimal string such as "25" or "12.50"');

/** The most thresholds one budget may carry. */
export const MAX_BUDGET_THRESHOLDS = 10;

export const budgetCommandSchemas = {
  'budget.set': z.strictObject({
    userId: uuid,
    period: z.enum(['day', 'month']),
    limit: decimalAmount,
    /** Fractions of the limit (above 0, at most 10, so 1.2 alerts at 120 %). */
    alertAt: z.array(z.number().finite().gt(0).max(10)).max(MAX_BUDGET_THRESHOLDS).optional(),
    hard: z.boolean().optional(),
  }),
  'budget.clear': z.strictObject({ userId: uuid }),
  /** `userId` (another user's budget) is for admins only. */
  'budget.get': z.strictObject({ userId: uuid.optional() }),
} as const;

/** `budget.get`'s budget: spend against the limit in the current period. */
export interface BudgetView {
  period: 'day' | 'month';
  limit: string;
  spent: string;
  remaining: string;
  /** When the next period starts (ISO). */
  resetsAt: string;
  hard: boolean;
  /** Ended tasks of the period with no price: counted here, not silently free (not part of `spent`). */
  unpricedTasks: number;
  /** Every threshold of the budget (fractions of the limit). */
  alertAt: number[];
}

/** The `budget.alert` push, and the body of the alert webhook. */
export interface BudgetAlert {
  alertId: string;
  userId: string;
  period: 'day' | 'month';
  threshold: number;
  spent: string;
  limit: string;
}

/** `details` of a `BUDGET_EXCEEDED` refusal. */
export interface BudgetExceededDetails {
  period: 'day' | 'month';
  limit: string;
  spent: string;
  resetsAt: string;
}
