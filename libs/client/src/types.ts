import type { AckData, ChunkInput, CommandPayload, RunView, TaskView, UsageInput } from '@ledger/contract';
import type { LedgerClientError } from './errors';

/** All SDK types are derived from the contract's zod schemas and ack types: nothing is copied. */

type WithoutIds<T, K extends PropertyKey = never> = Omit<T, 'commandId' | K>;

export type StartRunInput = WithoutIds<CommandPayload<'run.start'>>;
export type CreateTaskInput = WithoutIds<CommandPayload<'task.create'>, 'runId' | 'taskId'> & {
  /** The client's task id (it becomes `ai_tasks.task_id`); a UUID is generated when omitted. */
  taskId?: string;
};
/** A chunk as handed to `task.chunk()`: seq and offsetMs are filled in by the SDK. */
export type ChunkContent = Omit<ChunkInput, 'seq' | 'offsetMs'>;
export type CompleteTaskInput = WithoutIds<CommandPayload<'task.complete'>, 'runId' | 'taskId'>;
export type FailTaskInput = { usage?: UsageInput };
export type ListRunsInput = CommandPayload<'runs.list'>;
export type RunAtInput = Omit<CommandPayload<'run.at'>, 'runId'>;
export type UsageSummaryInput = CommandPayload<'usage.summary'>;
export type ReplayInput = Omit<CommandPayload<'run.replay'>, 'runId'>;

export type StartRunResult = AckData['run.start'];
export type CompleteTaskResult = AckData['task.complete'];
export type FailTaskResult = AckData['task.fail'];
export type RunWithTasks = AckData['run.get'];
export type RunsPage = AckData['runs.list'];
export type RunAtResult = AckData['run.at'];
export type UsageSummary = AckData['usage.summary'];
export type ReplayResult = AckData['run.replay'];

export type {
  AckData,
  ChunkKind,
  CommandName,
  CommandPayload,
  ErrorCode,
  PushEvents,
  ReplayFrame,
  RunView,
  TaskView,
  UsageInput,
} from '@ledger/contract';

export interface SubscriptionHandlers {
  onRun?: (run: RunView) => void;
  onTask?: (task: TaskView) => void;
}

export interface LedgerClientOptions {
  /** The ledger server's URL (socket.io root namespace). */
  url: string;
  /** A JWT (HS256) whose `sub` is the user id. */
  token: string;
  /** Buffered chunks of a task are sent this often (ms). Default 10. */
  flushIntervalMs?: number;
  /** …or as soon as this many are buffered (at most 1000, the protocol's limit per `task.chunks`). Default 50. */
  maxBatch?: number;
  /** Write commands kept until acknowledged; beyond this a write is refused with `UNAVAILABLE`. Default 10,000. */
  maxBufferedCommands?: number;
  /** How long the server may be away before pending commands are refused with `UNAVAILABLE`. Default 60,000. */
  maxOfflineMs?: number;
  /** How long to wait for one ack before sending the command again (same commandId). Default 15,000. */
  ackTimeoutMs?: number;
  /** Errors no promise of the caller will see: failed chunk batches, failed re-subscriptions. */
  onError?: (error: LedgerClientError) => void;
  /** Extra socket.io-client options (transports, path, reconnection delays…). `auth` is set from `token`. */
  socketOptions?: Record<string, unknown>;
  /** Monotonic clock in ms, for chunk offsets and task timing. Default `performance.now()`. */
  now?: () => number;
}
