import { LedgerError, type CommandPayload, type UsageInput, type WriteCommandName } from '@ledger/contract';
import type { ChunkEntry, Cost, RunEvent, RunEventType, Usage, UsageSource } from './events';
import { autoRunName, chunkDigest, nameFromMessage, type RunState, type TaskState } from './run.state';
import { shareRun, unshareRun, type ShareSecret } from './run.share';

/** A write command as the domain sees it: the validated payload plus who, which command and when. */
export type RunCommand = {
  [N in WriteCommandName]: {
    readonly type: N;
    readonly data: CommandPayload<N> & { runId: string } & (N extends 'run.share' ? ShareSecret : unknown);
  };
}[WriteCommandName];

export interface PriceRequest {
  provider: string;
  model: string;
  usage: Usage;
  at: string;
}
export interface EstimateRequest {
  provider: string;
  model: string;
  requestData: Record<string, unknown>;
  responseText: string;
}

/** What `decide` is given besides the state: identity, the command's time, and pure pricing functions. */
export interface DecideContext {
  readonly userId: string;
  readonly commandId: string;
  /** ISO time of the command, taken once by the caller (the domain reads no clock). */
  readonly now: string;
  readonly payloadHash: string;
  price(request: PriceRequest): Cost;
  estimate(request: EstimateRequest): Usage;
}

/** New event bodies (type and data); the caller adds metadata and ids. */
export type NewEvent = {
  [T in RunEventType]: { type: T; data: Extract<RunEvent, { type: T }>['data'] };
}[RunEventType];

export interface Decision {
  readonly events: NewEvent[];
  readonly ack: unknown;
}

const notFound = () => new LedgerError('NOT_FOUND', 'run not found');

export function decide(command: RunCommand, state: RunState, ctx: DecideContext): Decision {
  // Another user's run (live or erased) is NOT_FOUND for every command before anything else is looked at,
  // so neither a CONFLICT nor a remembered ack can tell that it exists.
  if (state.userId !== null && state.userId !== ctx.userId) throw notFound();
  const seen = state.commands.get(ctx.commandId);
  if (seen) {
    if (seen.command === command.type && seen.payloadHash === ctx.payloadHash)
      return { events: [], ack: seen.ack };
    throw new LedgerError('CONFLICT', 'commandId was already used for a different command', {
      commandId: ctx.commandId,
    });
  }
  if (command.type === 'run.start') return startRun(command.data, state, ctx);

  if (state.status !== 'active' || state.userId !== ctx.userId) throw notFound();
  const runId = command.data.runId;
  switch (command.type) {
    case 'task.create':
      return createTask(command.data, state, ctx);
    case 'task.chunk': {
      const { runId: _r, taskId, commandId: _c, ...chunk } = command.data;
      const events = acceptChunks(runId, taskId, [chunk], state);
      return { events, ack: { seq: command.data.seq } };
    }
    case 'task.chunks': {
      const events = acceptChunks(runId, command.data.taskId, command.data.chunks, state);
      return { events, ack: { lastSeq: command.data.chunks[command.data.chunks.length - 1].seq } };
    }
    case 'task.complete':
      return completeTask(command.data, state, ctx);
    case 'task.fail':
      return failTask(command.data, state, ctx);
    case 'run.rename':
      return { events: [{ type: 'RunRenamed', data: { runId, name: command.data.name } }], ack: {} };
    case 'run.star':
      if (command.data.starred === state.starred) return { events: [], ack: {} };
      return {
        events: [{ type: command.data.starred ? 'RunStarred' : 'RunUnstarred', data: { runId } }],
        ack: {},
      };
    case 'run.archive':
      return { events: state.archived ? [] : [{ type: 'RunArchived', data: { runId } }], ack: {} };
    case 'run.delete':
      return { events: [{ type: 'RunDeleted', data: { runId } }], ack: {} };
    case 'run.share':
      return shareRun(command.data, state, ctx.now);
    case 'run.unshare':
      return unshareRun(command.data, state);
    default: {
      const unknown: never = command;
      throw new LedgerError('VALIDATION', `unknown command ${(unknown as RunCommand).type}`);
    }
  }
}

function startRun(
  data: CommandPayload<'run.start'> & { runId: string },
  state: RunState,
  ctx: DecideContext,
): Decision {
  if (state.status !== 'new') throw new LedgerError('CONFLICT', 'runId is already used');
  return {
    events: [
      {
        type: 'RunStarted',
        data: {
          runId: data.runId,
          userId: ctx.userId,
          sourceType: data.sourceType,
          ...(data.sourceId !== undefined && { sourceId: data.sourceId }),
          ...(data.teamId !== undefined && { teamId: data.teamId }),
          name: data.name ?? autoRunName(ctx.now),
          settings: data.settings,
          variableValues: data.variableValues ?? {},
          brokerValues: data.brokerValues ?? {},
          startedAt: ctx.now,
        },
      },
    ],
    ack: { runId: data.runId },
  };
}

function createTask(data: CommandPayload<'task.create'>, state: RunState, ctx: DecideContext): Decision {
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

function taskOf(state: RunState, taskId: string): TaskState {
  const task = state.tasks.get(taskId);
  if (!task) throw new LedgerError('NOT_FOUND', 'task not found', { taskId });
  return task;
}

type ChunkFields = Pick<CommandPayload<'task.chunk'>, 'seq' | 'kind' | 'text' | 'payload' | 'offsetMs'>;

function acceptChunks(
  runId: string,
  taskId: string,
  chunks: readonly ChunkFields[],
  state: RunState,
): NewEvent[] {
  const task = taskOf(state, taskId);
  const accepted: ChunkEntry[] = [];
  let next = task.chunkDigests.length;
  for (const c of chunks) {
    const chunk = {
      seq: c.seq,
      kind: c.kind ?? 'text',
      ...(c.text !== undefined && { text: c.text }),
      ...(c.payload !== undefined && { payload: c.payload }),
      offsetMs: c.offsetMs,
    } as const;
    if (c.seq < next) {
      const known =
        c.seq < task.chunkDigests.length
          ? task.chunkDigests[c.seq]
          : chunkDigest(accepted[c.seq - task.chunkDigests.length]); // this command's own earlier chunk
      if (known === chunkDigest(chunk)) continue;
      throw new LedgerError('CONFLICT', `chunk ${c.seq} was already received with other content`, {
        seq: c.seq,
      });
    }
    if (c.seq > next)
      throw new LedgerError('CONFLICT', `chunk seq gap: expected ${next}, got ${c.seq}`, {
        expected: next,
        seq: c.seq,
      });
    if (task.status === 'completed' || task.status === 'failed')
      throw new LedgerError('CONFLICT', 'task has ended; no new chunks are accepted', { seq: c.seq });
    accepted.push(chunk);
    next += 1;
  }
  // One event for all of a command's new chunks (schema 4): the run, task and envelope are written once.
  return accepted.length ? [{ type: 'ChunksReceived', data: { runId, taskId, chunks: accepted } }] : [];
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

function measure(task: TaskState, usage: UsageInput | undefined, ctx: DecideContext) {
  const source: UsageSource = usage ? 'provider' : 'estimated';
  const measured = usage
    ? normaliseUsage(usage)
    : ctx.estimate({
        provider: task.provider,
        model: task.model,
        requestData: task.requestData,
        responseText: task.responseText,
      });
  const cost = ctx.price({ provider: task.provider, model: task.model, usage: measured, at: ctx.now });
  return { usage: measured, usageSource: source, cost };
}

function elapsedMs(from: string, to: string): number {
  return Math.max(0, Date.parse(to) - Date.parse(from));
}

function endable(task: TaskState, taskId: string): void {
  if (task.status === 'completed' || task.status === 'failed')
    throw new LedgerError('CONFLICT', `task has already ${task.status}`, { taskId });
}

function completionAck(m: ReturnType<typeof measure>) {
  return {
    cost: { amount: m.cost.amount, priceId: m.cost.priceId },
    tokensTotal: m.usage.totalTokens,
    usageSource: m.usageSource,
  };
}

function completeTask(data: CommandPayload<'task.complete'>, state: RunState, ctx: DecideContext): Decision {
  const task = taskOf(state, data.taskId);
  endable(task, data.taskId);
  const m = measure(task, data.usage, ctx);
  return {
    events: [
      {
        type: 'TaskCompleted',
        data: {
          runId: data.runId,
          taskId: data.taskId,
          usage: m.usage,
          usageSource: m.usageSource,
          cost: m.cost,
          ...(data.reportedCost !== undefined && { reportedCost: data.reportedCost }),
          timeToFirstTokenMs: task.firstChunkOffsetMs,
          totalTimeMs: data.totalTimeMs ?? elapsedMs(task.createdAt, ctx.now),
          ...(data.finishReason !== undefined && { finishReason: data.finishReason }),
          ...(data.responseData !== undefined && { responseData: data.responseData }),
          completedAt: ctx.now,
        },
      },
    ],
    ack: completionAck(m),
  };
}

function failTask(data: CommandPayload<'task.fail'>, state: RunState, ctx: DecideContext): Decision {
  const task = taskOf(state, data.taskId);
  endable(task, data.taskId);
  const m = measure(task, data.usage, ctx);
  return {
    events: [
      {
        type: 'TaskFailed',
        data: {
          runId: data.runId,
          taskId: data.taskId,
          error: { code: data.error.code ?? 'TASK_FAILED', message: data.error.message },
          usage: m.usage,
          usageSource: m.usageSource,
          cost: m.cost,
          totalTimeMs: elapsedMs(task.createdAt, ctx.now),
          failedAt: ctx.now,
        },
      },
    ],
    ack: completionAck(m),
  };
}
