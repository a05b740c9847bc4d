import Decimal from 'decimal.js';
import type { Cost } from './events';
import type { DecideContext, Decision, NewEvent, RepriceCommandData } from './run.decide.types';
import type { RunState } from './run.state';

/**
 * Repricing (`ledger prices reprice`), a command of the run decider: the catalog changed (a price was wrong or
 * missing), so the ended tasks of a model get their cost computed again with the catalog in effect now. Nothing
 * is rewritten: each task whose cost changes gets a `TaskRepriced` event carrying the new cost and the one it
 * replaces; the log keeps both. `ctx.price` is the new catalog's; the operator acts in the run owner's name.
 */

/** Two costs are the same when their amounts are equal decimals (or both unknown) and the same entry priced them. */
export function sameCost(a: Cost | null, b: Cost | null): boolean {
  const amountA = a?.amount ?? null;
  const amountB = b?.amount ?? null;
  if (amountA === null || amountB === null) {
    if (amountA !== amountB) return false;
  } else if (!new Decimal(amountA).equals(amountB)) return false;
  return (a?.priceId ?? null) === (b?.priceId ?? null);
}

/**
 * The `TaskRepriced` events for one run: every ended task of `data.model` that ended at or after `data.since`,
 * whose cost under the new catalog differs from its current cost (after earlier repricings). A run that is not
 * active (erased, never started), an open task or a task without usage is left alone. Tasks come in the order
 * they were created; the ack counts them.
 */
export function repriceRun(data: RepriceCommandData, state: RunState, ctx: DecideContext): Decision {
  if (state.status !== 'active') return { events: [], ack: { repriced: 0 } };
  const since = Date.parse(data.since);
  const events: NewEvent[] = [];
  for (const [taskId, task] of state.tasks) {
    if (
      (data.model !== undefined && task.model !== data.model) ||
      task.usage === null ||
      task.endedAt === null
    )
      continue;
    if (Date.parse(task.endedAt) < since) continue;
    const cost = ctx.price({
      provider: task.provider,
      model: task.model,
      usage: task.usage,
      // The entry in effect when the task ended, from the new catalog: a correction, not today's price.
      at: task.endedAt,
    });
    if (sameCost(cost, task.cost)) continue;
    events.push({
      type: 'TaskRepriced',
      data: {
        runId: data.runId,
        taskId,
        cost,
        previousCost: task.cost,
        reason: data.reason,
        ...(data.catalogVersion !== undefined && { catalogVersion: data.catalogVersion }),
      },
    });
  }
  return { events, ack: { repriced: events.length } };
}
