import { LedgerError, type CommandPayload, type UsageInput } from '@ledger/contract';
import type { NewEvent, Decision, DecideContext } from './run.decide.types';
import type { Cost, Usage, UsageSource } from './events';
import { nameFromMessage, type RunState, type TaskState } from './run.state';

/** The task commands of the run decider: create, complete, fail (chunks are in run.decide.chunks). */

export function createTask(
  data: CommandPayload<'task.create'>,
  state: RunState,
  ctx: DecideContext,
): Decision {
  if (state.tasks.has(data.taskId))
    throw new LedgerError('CONFLICT', 'task already exists', { taskId: data.taskId });
  const { commandId: _c, ...fields } = data;
  const events: NewEvent[] = [{ type: 'TaskCreated', data: { ...fields, createdAt: ctx.now } }];
  if (state.autoNamed && data.userMessage) {
    const name = nameFromMessage(data.userMessage.content);
    if (name) events.push({ type: 'RunRenamed', data: { runId: data.runId, name } });
  }
  return { events, ack: { taskId: data.taskId } };
}

export function taskOf(state: RunState, taskId: string): TaskState {
  const task = state.tasks.get(taskId);
  if (!task) throw new LedgerError('NOT_FOUND', 'task not found', { taskId });
  return task;
}

/** The optional billing dimensions of a usage, copied only when given (an absent count is 0). */
const USAGE_EXTRAS = [
  'cacheWrite1hTokens',
  'inputAudioTokens',
  'inputImageTokens',
  'inputVideoTokens',
  'outputAudioTokens',
  'outputImageTokens',
  'outputVideoTokens',
  'webSearches',
  'groundingRequests',
  'requests',
  'serviceTier',
  'region',
] as const;

export function normaliseUsage(u: UsageInput): Usage {
  const extras: Record<string, number | string> = {};
  for (const key of USAGE_EXTRAS) {
    const value = u[key];
    if (value !== undefined) extras[key] = value;
  }
  return {
    inputTokens: u.inputTokens,
    outputTokens: u.outputTokens,
    cachedInputTokens: u.cachedInputTokens ?? 0,
    cacheWriteTokens: u.cacheWriteTokens ?? 0,
    reasoningTokens: u.reasoningTokens ?? 0,
    totalTokens: u.inputTokens + u.outputTokens,
    ...extras,
  };
}

/** What ending a task measured: the usage (the provider's, or estimated from the text) and its cost now. */
interface Measured {
  readonly runId: string;
  readonly taskId: string;
  readonly usage: Usage;
  readonly usageSource: UsageSource;
  readonly cost: Cost;
}

function measure(
  data: { runId: string; taskId: string; usage?: UsageInput },
  task: TaskState,
  ctx: DecideContext,
): Measured {
  const usage = data.usage
    ? normaliseUsage(data.usage)
    : ctx.estimate({
        provider: task.provider,
        model: task.model,
        requestData: task.requestData,
        responseText: task.responseText,
      });
  const cost = ctx.price({ provider: task.provider, model: task.model, usage, at: ctx.now });
  return {
    runId: data.runId,
    taskId: data.taskId,
    usage,
    usageSource: data.usage ? 'provider' : 'estimated',
    cost,
  };
}

function elapsedMs(from: string, to: string): number {
  return Math.max(0, Date.parse(to) - Date.parse(from));
}

/**
 * `task.complete` and `task.fail` alike: the task must exist and not have ended; its usage is measured and priced,
 * and the ack tells the cost. `event` builds the one event from the measured part.
 */
function endTask(
  data: { runId: string; taskId: string; usage?: UsageInput },
  state: RunState,
  ctx: DecideContext,
  event: (task: TaskState, measured: Measured) => NewEvent,
): Decision {
  const task = taskOf(state, data.taskId);
  if (task.status === 'completed' || task.status === 'failed')
    throw new LedgerError('CONFLICT', `task has already ${task.status}`, { taskId: data.taskId });
  const m = measure(data, task, ctx);
  return {
    events: [event(task, m)],
    ack: {
      cost: { amount: m.cost.amount, priceId: m.cost.priceId },
      tokensTotal: m.usage.totalTokens,
      usageSource: m.usageSource,
    },
  };
}

export function completeTask(
  data: CommandPayload<'task.complete'>,
  state: RunState,
  ctx: DecideContext,
): Decision {
  return endTask(data, state, ctx, (task, m) => ({
    type: 'TaskCompleted',
    data: {
      ...m,
      ...(data.reportedCost !== undefined && { reportedCost: data.reportedCost }),
      timeToFirstTokenMs: task.firstChunkOffsetMs,
      totalTimeMs: data.totalTimeMs ?? elapsedMs(task.createdAt, ctx.now),
      ...(data.finishReason !== undefined && { finishReason: data.finishReason }),
      ...(data.responseData !== undefined && { responseData: data.responseData }),
      completedAt: ctx.now,
    },
  }));
}

export function failTask(data: CommandPayload<'task.fail'>, state: RunState, ctx: DecideContext): Decision {
  return endTask(data, state, ctx, (task, m) => ({
    type: 'TaskFailed',
    data: {
      ...m,
      error: { code: data.error.code ?? 'TASK_FAILED', message: data.error.message },
      totalTimeMs: elapsedMs(task.createdAt, ctx.now),
      failedAt: ctx.now,
    },
  }));
}
