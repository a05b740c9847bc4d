import type { MessageView, RunView, TaskView } from '@ledger/contract';
import type { RecordedEvent } from '@ledger/event-store';
import { chunksOf, taskRowIdFor, type RunEvent } from '@ledger/domain';
import { addMoney, money, subMoney } from '@ledger/money';
import { TERMINAL_STATUSES, withChunks } from './run-view.chunks';
import { appendOwned, patched, type FoldScratch } from './run-view.scratch';
import { assistantMetadata, costFields, usageFields } from './run-view.task-fields';
import { isoTime } from './run-view.time';

/**
 * The run view fold: the ONE implementation of docs/protocol.md §3 (read models). The projector, rebuild, `runAt` and `verify`
 * all fold events with `evolveRunView`, so they cannot drift apart. Pure: it never mutates its input view.
 */
export interface RunViewModel {
  readonly run: RunView;
  /** By the client's task id, in creation order. */
  readonly tasks: ReadonlyMap<string, TaskView>;
}

/** An event the fold cannot apply (a broken stream): the projector stops on it instead of skipping it. */
export class RunViewFoldError extends Error {
  constructor(
    message: string,
    readonly event: Pick<RecordedEvent, 'id' | 'streamId' | 'revision' | 'type'>,
  ) {
    super(`${event.type} ${event.streamId}@${event.revision}: ${message}`);
    this.name = 'RunViewFoldError';
  }
}

export { TERMINAL_STATUSES } from './run-view.chunks';
export type { FoldScratch } from './run-view.scratch';

/** A task that ended without a known price: its cost is NULL and it is counted in `unpricedTaskCount`. */
export function isUnpriced(task: TaskView): boolean {
  return TERMINAL_STATUSES.has(task.status) && task.cost === null;
}

export function evolveRunView(
  view: RunViewModel | null,
  event: RecordedEvent,
  scratch?: FoldScratch,
): RunViewModel | null {
  const e = event;
  const fail = (message: string): never => {
    throw new RunViewFoldError(message, event);
  };
  if (e.type === 'RunDeleted') return null;
  if (e.type === 'RunStarted') {
    if (view) fail('run already started');
    return { run: startedRun(e.data, event), tasks: new Map() };
  }
  if (!view) return fail('run does not exist');
  if (e.data.runId !== view.run.id) fail(`event of run ${e.data.runId} in the stream of run ${view.run.id}`);
  const at = isoTime(event.metadata.recordedAt);
  const touch = (patch: Partial<RunView> = {}): RunViewModel => ({
    run: patched(scratch, view.run, { ...patch, updatedAt: at, version: event.revision }),
    tasks: view.tasks,
  });

  switch (e.type) {
    case 'ShareCreated':
    case 'ShareRevoked':
      // Links live in their own table (shares.projection.ts); the run only moves to the stream's version, so a
      // read that waits for its writes sees them. Its activity time is left alone: sharing is not activity.
      return { run: patched(scratch, view.run, { version: event.revision }), tasks: view.tasks };
    case 'RunRenamed':
      return touch({ name: e.data.name });
    case 'RunStarred':
      return touch({ starred: true });
    case 'RunUnstarred':
      return touch({ starred: false });
    case 'RunArchived':
      return touch({ archived: true });
    case 'TaskCreated': {
      const d = e.data;
      if (view.tasks.has(d.taskId)) fail(`task ${d.taskId} already exists`);
      const createdAt = isoTime(d.createdAt);
      const task: TaskView = {
        id: taskRowIdFor(d.runId, d.taskId),
        runId: d.runId,
        userId: view.run.userId,
        teamId: view.run.teamId ?? null,
        taskId: d.taskId,
        service: d.service,
        taskName: d.taskName,
        provider: d.provider,
        endpoint: d.endpoint,
        model: d.model,
        modelId: d.modelId ?? null,
        requestData: d.requestData,
        responseText: '',
        responseData: null,
        responseInfo: [],
        responseErrors: [],
        toolUpdates: [],
        dataChunks: [],
        tokensInput: 0,
        tokensOutput: 0,
        tokensCached: 0,
        tokensCacheWrite: 0,
        tokensReasoning: 0,
        tokensTotal: 0,
        usageSource: null,
        cost: null,
        priceId: null,
        reportedCost: null,
        reportedCostCurrency: null,
        reportedCostSource: null,
        timeToFirstToken: null,
        totalTime: null,
        status: 'pending',
        finishReason: null,
        error: null,
        chunkCount: 0,
        createdAt,
        updatedAt: at,
        completedAt: null,
      };
      const message: MessageView | null = d.userMessage
        ? {
            role: 'user',
            content: d.userMessage.content,
            timestamp: createdAt,
            metadata: { ...(d.userMessage.metadata ?? {}), taskId: d.taskId, model: d.model },
          }
        : null;
      return withTask(touch(), undefined, task, message, scratch);
    }
    case 'ChunkReceived':
    case 'ChunksReceived': {
      const task = view.tasks.get(e.data.taskId) ?? fail(`unknown task ${e.data.taskId}`);
      return withTask(touch(), task, withChunks(task, chunksOf(e), at, fail, scratch), null, scratch);
    }
    case 'TaskCompleted': {
      const d = e.data;
      const task = view.tasks.get(d.taskId) ?? fail(`unknown task ${d.taskId}`);
      if (TERMINAL_STATUSES.has(task.status)) fail(`task ${d.taskId} already ended`);
      const completedAt = isoTime(d.completedAt);
      const next: TaskView = {
        ...task,
        ...usageFields(d.usage),
        ...costFields(d.cost),
        ...(d.reportedCost && {
          reportedCost: money(d.reportedCost.amount),
          reportedCostCurrency: d.reportedCost.currency,
          reportedCostSource: d.reportedCost.source,
        }),
        usageSource: d.usageSource,
        timeToFirstToken: d.timeToFirstTokenMs,
        totalTime: d.totalTimeMs,
        status: 'completed',
        finishReason: d.finishReason ?? null,
        responseData: d.responseData ?? null,
        updatedAt: at,
        completedAt,
      };
      const message: MessageView = {
        role: 'assistant',
        content: next.responseText,
        timestamp: completedAt,
        metadata: assistantMetadata(next),
      };
      return withTask(touch(), task, next, message, scratch);
    }
    case 'TaskFailed': {
      const d = e.data;
      const task = view.tasks.get(d.taskId) ?? fail(`unknown task ${d.taskId}`);
      if (TERMINAL_STATUSES.has(task.status)) fail(`task ${d.taskId} already ended`);
      const next: TaskView = {
        ...task,
        ...(d.usage ? usageFields(d.usage) : {}),
        ...(d.cost ? costFields(d.cost) : { cost: null, priceId: null }),
        usageSource: d.usageSource ?? (d.usage ? task.usageSource : null),
        totalTime: d.totalTimeMs,
        status: 'failed',
        error: { code: d.error.code, message: d.error.message },
        updatedAt: at,
        completedAt: isoTime(d.failedAt),
      };
      return withTask(touch(), task, next, null, scratch);
    }
    case 'TaskRepriced': {
      const d = e.data;
      const task = view.tasks.get(d.taskId) ?? fail(`unknown task ${d.taskId}`);
      const next: TaskView = { ...task, ...costFields(d.cost), updatedAt: at };
      const touched = withTask(touch(), task, next, null, scratch);
      // The assistant message carries the task's cost: it follows the new price.
      const messages = touched.run.messages.map((m) =>
        m.role === 'assistant' && m.metadata.taskId === d.taskId
          ? { ...m, metadata: assistantMetadata(next) }
          : m,
      );
      return { run: { ...touched.run, messages }, tasks: touched.tasks };
    }
    default: {
      const unknown: never = e;
      return fail(`unknown event type ${(unknown as { type: string }).type}`);
    }
  }
}

/** Folds a whole sequence (one stream's events) from nothing. */
export function foldRunView(
  events: readonly RecordedEvent[],
  from: RunViewModel | null = null,
): RunViewModel | null {
  const scratch: FoldScratch = new WeakSet();
  return events.reduce<RunViewModel | null>((view, event) => evolveRunView(view, event, scratch), from);
}

function startedRun(d: Extract<RunEvent, { type: 'RunStarted' }>['data'], event: RecordedEvent): RunView {
  return {
    id: d.runId,
    userId: d.userId,
    teamId: d.teamId ?? null,
    sourceType: d.sourceType,
    sourceId: d.sourceId ?? null,
    name: d.name,
    messages: [],
    settings: d.settings,
    variableValues: d.variableValues,
    brokerValues: d.brokerValues,
    totalTokens: 0,
    totalCost: '0',
    unpricedTaskCount: 0,
    messageCount: 0,
    taskCount: 0,
    starred: false,
    archived: false,
    createdAt: isoTime(d.startedAt),
    updatedAt: isoTime(event.metadata.recordedAt),
    lastMessageAt: null,
    version: event.revision,
  };
}

/** Puts a task in the view and keeps every total of the run equal to the sum over its tasks (the §2 invariants). */
function withTask(
  view: RunViewModel,
  before: TaskView | undefined,
  after: TaskView,
  message: MessageView | null,
  scratch?: FoldScratch,
): RunViewModel {
  const tasks = scratch?.has(view.tasks) ? (view.tasks as Map<string, TaskView>) : new Map(view.tasks);
  scratch?.add(tasks);
  tasks.set(after.taskId, after);
  const run = view.run;
  const messages = message ? appendOwned(scratch, run.messages, message) : run.messages;
  return {
    run: patched(scratch, run, {
      taskCount: run.taskCount + (before ? 0 : 1),
      totalTokens: run.totalTokens - (before?.tokensTotal ?? 0) + after.tokensTotal,
      totalCost:
        before?.cost === after.cost
          ? run.totalCost
          : addMoney(subMoney(run.totalCost, before?.cost), after.cost),
      unpricedTaskCount:
        run.unpricedTaskCount - (before && isUnpriced(before) ? 1 : 0) + (isUnpriced(after) ? 1 : 0),
      messages,
      messageCount: messages.length,
      lastMessageAt: message ? message.timestamp : run.lastMessageAt,
    }),
    tasks,
  };
}
