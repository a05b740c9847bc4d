import type { LedgerConfig } from '@ledger/config';
import type { ProjectionStatus, RunView } from '@ledger/contract';
import type { GlobalPosition } from '@ledger/event-store';
import type { ProjectorChange } from '@ledger/projections';

/** What the server's thread and the projector's worker thread say to each other (projector-thread.ts). */

export interface ProjectorWorkerData {
  readonly config: LedgerConfig;
  /** The runtime's connection string (the owner role's), for the worker's own pool. */
  readonly connectionString: string;
  readonly batchSize: number;
  readonly minBatchIntervalMs: number;
}

export type ToWorker =
  | { readonly type: 'start'; readonly id: number }
  | { readonly type: 'stop'; readonly id: number }
  | { readonly type: 'close'; readonly id: number }
  | { readonly type: 'status'; readonly id: number }
  | { readonly type: 'waitFor'; readonly id: number; readonly position: GlobalPosition };

/**
 * A commit as it crosses: a run whose messages are the very list the previous commit had for it (a streaming
 * run's, commit after commit) is sent without them, its id in `sameMessages`: the other side puts back the list it
 * kept, so a long conversation is not copied across on every batch. Both sides keep the last commit's lists, and
 * messages between two threads arrive in the order they were sent, so they hold the same ones.
 */
export interface PostedChange {
  readonly runIds: string[];
  readonly runs: Array<RunView | Omit<RunView, 'messages'>>;
  readonly tasks: ProjectorChange['tasks'];
  readonly sameMessages: string[];
}

export type FromWorker =
  | { readonly type: 'reply'; readonly id: number; readonly value?: unknown; readonly error?: string }
  | { readonly type: 'commit'; readonly change: PostedChange }
  | {
      readonly type: 'log';
      readonly level: 'info' | 'warn' | 'error';
      readonly message: string;
      readonly error?: string;
    };

export type ProjectorStatuses = ProjectionStatus[];

/** The last message lists sent, by run: both sides keep the same one, replaced at each commit. */
export type MessageLists = Map<string, RunView['messages']>;

/** Worker side: the change to post, and the lists it leaves behind. */
export function postChange(
  change: ProjectorChange,
  last: MessageLists,
): { posted: PostedChange; next: MessageLists } {
  const next: MessageLists = new Map();
  const sameMessages: string[] = [];
  const runs = change.runs.map((run) => {
    next.set(run.id, run.messages);
    if (last.get(run.id) !== run.messages) return run;
    sameMessages.push(run.id);
    const { messages: _same, ...rest } = run;
    return rest;
  });
  return { posted: { runIds: change.runIds, runs, tasks: change.tasks, sameMessages }, next };
}

/** Server side: the change as the projector made it, and the lists it leaves behind. */
export function receiveChange(
  posted: PostedChange,
  last: MessageLists,
): { change: ProjectorChange; next: MessageLists } {
  const same = new Set(posted.sameMessages);
  const next: MessageLists = new Map();
  const runs = posted.runs.map((run) => {
    const full = (same.has(run.id) ? { ...run, messages: last.get(run.id)! } : run) as RunView;
    next.set(full.id, full.messages);
    return full;
  });
  return { change: { runIds: posted.runIds, runs, tasks: posted.tasks }, next };
}
