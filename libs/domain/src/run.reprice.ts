import { sameMoney } from '@ledger/money';
import type { Cost, RunEvent, TaskRepricedData, Usage } from './events';
import type { PriceRequest } from './run.decide';

/**
 * Repricing (`ledger prices reprice`): the catalog changed (a price was wrong or missing), so the ended tasks of
 * a model get their cost computed again with the catalog in effect now. Nothing is rewritten: each task whose
 * cost changes gets a `TaskRepriced` event carrying the new cost and the one it replaces; the log keeps both.
 * Pure: the caller folds the run's events, gives the clock and the pricing function, and appends the result.
 */

/** What repricing needs to know of one task. */
export interface RepriceTask {
  readonly taskId: string;
  readonly provider: string;
  readonly model: string;
  status: 'open' | 'completed' | 'failed';
  usage: Usage | null;
  /** `completedAt` / `failedAt`. */
  endedAt: string | null;
  /** The task's current cost: its `TaskCompleted`/`TaskFailed` cost, or the last `TaskRepriced` one. */
  cost: Cost | null;
}

export interface RepriceState {
  runId: string | null;
  userId: string | null;
  deleted: boolean;
  /** Revision of the stream's last event (-1: empty). */
  version: number;
  tasks: Map<string, RepriceTask>;
}

export function initialRepriceState(): RepriceState {
  return { runId: null, userId: null, deleted: false, version: -1, tasks: new Map() };
}

export function evolveReprice(
  state: RepriceState,
  event: Pick<RunEvent, 'type' | 'data'>,
  revision?: number,
): RepriceState {
  state.version = revision ?? state.version + 1;
  const e = event as RunEvent;
  switch (e.type) {
    case 'RunStarted':
      state.runId = e.data.runId;
      state.userId = e.data.userId;
      break;
    case 'TaskCreated':
      state.tasks.set(e.data.taskId, {
        taskId: e.data.taskId,
        provider: e.data.provider,
        model: e.data.model,
        status: 'open',
        usage: null,
        endedAt: null,
        cost: null,
      });
      break;
    case 'TaskCompleted':
    case 'TaskFailed': {
      const task = state.tasks.get(e.data.taskId);
      if (!task) break;
      task.status = e.type === 'TaskCompleted' ? 'completed' : 'failed';
      task.usage = e.data.usage ?? null;
      task.endedAt = e.type === 'TaskCompleted' ? e.data.completedAt : e.data.failedAt;
      task.cost = e.data.cost ?? null;
      break;
    }
    case 'TaskRepriced': {
      const task = state.tasks.get(e.data.taskId);
      if (task) task.cost = e.data.cost;
      break;
    }
    case 'RunDeleted':
      state.deleted = true;
      state.tasks.clear();
      break;
    default:
      break;
  }
  return state;
}

export function foldReprice(
  events: ReadonlyArray<Pick<RunEvent, 'type' | 'data'> & { revision?: number }>,
): RepriceState {
  const state = initialRepriceState();
  for (const e of events) evolveReprice(state, e, e.revision);
  return state;
}

export interface RepriceRequest {
  /** The task's `model` as recorded (exact match); every model when absent. */
  readonly model?: string;
  /** Only tasks that ended at or after this ISO time. */
  readonly since: string;
  readonly reason: string;
  /** The caller's clock (ISO); kept for the caller's metadata. Each task is priced at the moment it ended. */
  readonly now: string;
  /** The catalog version that prices the tasks, named in each event. */
  readonly catalogVersion?: string;
  price(request: PriceRequest): Cost;
}

/** Two costs are the same when their amounts are equal decimals (or both unknown) and the same entry priced them. */
export function sameCost(a: Cost | null, b: Cost | null): boolean {
  const amountA = a?.amount ?? null;
  const amountB = b?.amount ?? null;
  if (amountA === null || amountB === null) {
    if (amountA !== amountB) return false;
  } else if (!sameMoney(amountA, amountB)) return false;
  return (a?.priceId ?? null) === (b?.priceId ?? null);
}

/**
 * The `TaskRepriced` events for one run: every ended task of `request.model` that ended at or after
 * `request.since`, whose cost under the catalog at `request.now` differs from its current cost. A deleted run,
 * an open task or a task without usage is left alone. Tasks come in the order they were created.
 */
export function decideReprice(
  state: RepriceState,
  request: RepriceRequest,
): Array<{ type: 'TaskRepriced'; data: TaskRepricedData }> {
  if (state.deleted || state.runId === null) return [];
  const since = Date.parse(request.since);
  const events: Array<{ type: 'TaskRepriced'; data: TaskRepricedData }> = [];
  for (const task of state.tasks.values()) {
    if (
      task.status === 'open' ||
      (request.model !== undefined && task.model !== request.model) ||
      task.usage === null ||
      task.endedAt === null
    )
      continue;
    if (Date.parse(task.endedAt) < since) continue;
    const cost = request.price({
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
        runId: state.runId,
        taskId: task.taskId,
        cost,
        previousCost: task.cost,
        reason: request.reason,
        ...(request.catalogVersion !== undefined && { catalogVersion: request.catalogVersion }),
      },
    });
  }
  return events;
}
