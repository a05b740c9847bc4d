import { z } from 'zod';
import type { BudgetAlert, BudgetView } from './budget.commands';
import type { ShareAckData } from './share.commands';

/** Read-model rows as they leave the server (camelCase). Money is a decimal string, never a float. */

export const usageSources = ['provider', 'estimated'] as const;
export const taskStatuses = ['pending', 'streaming', 'completed', 'failed'] as const;

export const messageView = z.object({
  role: z.enum(['user', 'assistant']),
  content: z.string(),
  timestamp: z.string(),
  metadata: z.record(z.string(), z.unknown()),
});
export type MessageView = z.infer<typeof messageView>;

export const runView = z.object({
  id: z.string(),
  userId: z.string(),
  /** The team whose members may read the run (null: the owner only). Optional for clients of older servers. */
  teamId: z.string().nullable().optional(),
  sourceType: z.string(),
  sourceId: z.string().nullable(),
  name: z.string(),
  messages: z.array(messageView),
  settings: z.record(z.string(), z.unknown()),
  variableValues: z.record(z.string(), z.unknown()),
  brokerValues: z.record(z.string(), z.unknown()),
  totalTokens: z.number(),
  totalCost: z.string(),
  unpricedTaskCount: z.number(),
  messageCount: z.number(),
  taskCount: z.number(),
  starred: z.boolean(),
  archived: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
  lastMessageAt: z.string().nullable(),
  version: z.number(),
});
export type RunView = z.infer<typeof runView>;

/** A run as `runs.list` and the `runs.changed` push give it: its row plus the distinct models of its tasks. */
export const runListItem = runView.extend({ models: z.array(z.string()) });
export type RunListItem = z.infer<typeof runListItem>;

export const taskView = z.object({
  id: z.string(),
  runId: z.string(),
  userId: z.string(),
  /** The run's team, carried on each task so that row-level security can decide on the row alone. */
  teamId: z.string().nullable().optional(),
  taskId: z.string(),
  service: z.string(),
  taskName: z.string(),
  provider: z.string(),
  endpoint: z.string(),
  model: z.string(),
  modelId: z.string().nullable(),
  requestData: z.record(z.string(), z.unknown()),
  responseText: z.string(),
  responseData: z.record(z.string(), z.unknown()).nullable(),
  responseInfo: z.array(z.unknown()),
  responseErrors: z.array(z.unknown()),
  toolUpdates: z.array(z.unknown()),
  /** Payloads of `data` chunks, in seq order (always present in rows the server sends). */
  dataChunks: z.array(z.unknown()).optional(),
  tokensInput: z.number(),
  tokensOutput: z.number(),
  tokensCached: z.number(),
  tokensCacheWrite: z.number(),
  tokensReasoning: z.number(),
  tokensTotal: z.number(),
  usageSource: z.enum(usageSources).nullable(),
  cost: z.string().nullable(),
  priceId: z.string().nullable(),
  /** What the provider or gateway reported it charged (TaskCompleted.reportedCost), beside `cost`. */
  reportedCost: z.string().nullable().optional(),
  reportedCostCurrency: z.string().nullable().optional(),
  reportedCostSource: z.string().nullable().optional(),
  timeToFirstToken: z.number().nullable(),
  totalTime: z.number().nullable(),
  status: z.enum(taskStatuses),
  finishReason: z.string().nullable(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  chunkCount: z.number(),
  createdAt: z.string(),
  updatedAt: z.string(),
  completedAt: z.string().nullable(),
});
export type TaskView = z.infer<typeof taskView>;

export interface CostAck {
  amount: string | null;
  priceId: string | null;
}
export interface CompletionAck {
  cost: CostAck;
  tokensTotal: number;
  usageSource: (typeof usageSources)[number];
}

/** The ack data of each command (docs/protocol.md §4). */
export interface AckData extends ShareAckData {
  'run.start': { runId: string };
  'task.create': { taskId: string };
  'task.chunk': { seq: number };
  'task.chunks': { lastSeq: number };
  'task.complete': CompletionAck;
  'task.fail': CompletionAck;
  'run.rename': Record<string, never>;
  'run.star': Record<string, never>;
  'run.archive': Record<string, never>;
  'run.delete': Record<string, never>;
  'run.get': { run: RunView; tasks: TaskView[] };
  'runs.list': { runs: RunListItem[]; nextCursor: string | null };
  'run.subscribe': Record<string, never>;
  'run.unsubscribe': Record<string, never>;
  'run.replay': { runId: string; events: number };
  'run.at': { run: RunView | null; tasks: TaskView[]; version: number };
  'usage.summary': { rows: UsageSummaryRow[] };
  'projections.status': { projections: ProjectionStatus[] };
  'projections.rebuild': { name: string; events: number; ms: number; quarantined: number };
  'projections.retry': QuarantineActionAck;
  'projections.skip': QuarantineActionAck;
  'prices.list': { entries: unknown[] };
  'prices.missing': { models: MissingPrice[] };
  'budget.set': Record<string, never>;
  'budget.clear': Record<string, never>;
  'budget.get': { budget: BudgetView | null };
}

/** A model whose ended tasks have no price (`prices.missing`). */
export interface MissingPrice {
  provider: string;
  model: string;
  /** Ended tasks of the model with cost null, over every user. */
  tasks: number;
}

/** Progress of a `projections.rebuild`, pushed to the socket that asked for it. */
export interface RebuildProgress {
  name: string;
  /** `fold`: reading and folding the log; `write`: loading and indexing the new tables, catching up, swapping; `done`. */
  phase: 'fold' | 'write' | 'done';
  /** Events folded so far. */
  events: number;
  /** Events in the log when the rebuild started (absent when unknown). */
  total?: number;
}

export interface UsageSummaryRow {
  day?: string;
  model?: string;
  tasks: number;
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  reasoningTokens: number;
  cost: string;
  /** Tasks of the row without a price (their cost is not in `cost`). */
  unpricedTasks?: number;
}

/** A run the projection set aside: the position of the event it could not apply, and why. */
export interface QuarantinedRunStatus {
  runId: string;
  position: string;
  error: string;
}

export interface ProjectionStatus {
  name: string;
  position: string;
  lag: number;
  lagMs: number;
  /**
   * `running` only when nothing is wrong; `degraded`: some runs are quarantined (the others project); `stalled`:
   * a batch keeps failing and is retried (see `error`).
   */
  state: 'running' | 'catching-up' | 'degraded' | 'stalled' | 'failed' | 'stopped' | 'rebuilding';
  quarantined: QuarantinedRunStatus[];
  error?: string;
  /** The instance that projects it now (`LEDGER_INSTANCE_ID`), or null while none does. */
  leader?: string | null;
}

/** The ack of `projections.retry` / `projections.skip`: the run projects again, or is quarantined again. */
export interface QuarantineActionAck {
  runId: string;
  state: 'running' | 'quarantined';
  /** Set when still quarantined (maybe at a later event). */
  quarantined?: QuarantinedRunStatus;
  /** Set by `projections.skip`: the id of the event now left out of every fold of the projection. */
  skippedEventId?: string;
}

export interface ReplayFrame {
  runId: string;
  version: number;
  type: string;
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
}

/** Server → client pushes. */
export interface PushEvents {
  'run.updated': { run: RunView };
  'task.updated': { task: TaskView };
  'replay.event': ReplayFrame;
  /** To each of the owner's sockets: a run of theirs was created or changed (≤ 1 per 100 ms per run, final state always). */
  'runs.changed': { run: RunListItem };
  /** To each of the owner's sockets: a run of theirs was deleted (erased). */
  'runs.removed': { runId: string };
  'projections.progress': RebuildProgress;
  /** To each of the user's sockets: a budget threshold was reached (once per threshold and period). */
  'budget.alert': BudgetAlert;
}
