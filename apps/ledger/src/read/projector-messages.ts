import type { LedgerConfig } from '@ledger/config';
import type { ProjectionStatus, RunView, TaskView } from '@ledger/contract';
import type { GlobalPosition } from '@ledger/event-store';
import { grownText, type ProjectorChange } from '@ledger/projections';

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
 * A commit as it crosses. Both sides keep what the last commit held (`CommitMemory`), and messages between two
 * threads arrive in the order they were sent, so they keep the same:
 * - a run whose messages are the very list the previous commit had for it (a streaming run's, commit after
 *   commit) is sent without them, its id in `sameMessages`: the other side puts back the list it kept, so a long
 *   conversation is not copied across on every batch;
 * - a task whose text the batch only appended to, from the text the previous commit had for it, is sent without
 *   it, with what was added in `addedText`: the other side appends that to the text it kept. A streaming task's
 *   whole text crossed on every batch before, copied out and in again: a batch cost the length of every streaming
 *   text twice over.
 */
export interface PostedChange {
  readonly runIds: string[];
  readonly runs: Array<RunView | Omit<RunView, 'messages'>>;
  readonly tasks: Array<TaskView | Omit<TaskView, 'responseText'>>;
  readonly sameMessages: string[];
  /** Task id → the text the batch added to the one the previous commit had. */
  readonly addedText: Map<string, string>;
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

/** What the last commit sent held: each run's message list and each task's text, by id (replaced at each commit). */
export interface CommitMemory {
  readonly messages: Map<string, RunView['messages']>;
  readonly texts: Map<string, string>;
}

export function emptyMemory(): CommitMemory {
  return { messages: new Map(), texts: new Map() };
}

/** Worker side: the change to post, and what it leaves behind. */
export function postChange(
  change: ProjectorChange,
  last: CommitMemory,
): { posted: PostedChange; next: CommitMemory } {
  const next = emptyMemory();
  const sameMessages: string[] = [];
  const runs = change.runs.map((run) => {
    next.messages.set(run.id, run.messages);
    if (last.messages.get(run.id) !== run.messages) return run;
    sameMessages.push(run.id);
    const { messages: _same, ...rest } = run;
    return rest;
  });
  const addedText = new Map<string, string>();
  const tasks = change.tasks.map((task) => {
    next.texts.set(task.id, task.responseText);
    const append = change.textAppends?.get(task.id);
    const kept = last.texts.get(task.id);
    // The same string as a rule (the view the batch started from is the one the last commit sent); equal text
    // also holds when the run was read back from its rows meanwhile.
    if (append === undefined || kept === undefined || kept !== append.base) return task;
    addedText.set(task.id, append.added);
    const { responseText: _kept, ...rest } = task;
    return rest;
  });
  return { posted: { runIds: change.runIds, runs, tasks, sameMessages, addedText }, next };
}

/** Server side: the change as the projector made it, and what it leaves behind. */
export function receiveChange(
  posted: PostedChange,
  last: CommitMemory,
): { change: ProjectorChange; next: CommitMemory } {
  const same = new Set(posted.sameMessages);
  const next = emptyMemory();
  const runs = posted.runs.map((run) => {
    const full = (same.has(run.id) ? { ...run, messages: last.messages.get(run.id)! } : run) as RunView;
    next.messages.set(full.id, full.messages);
    return full;
  });
  const tasks = posted.tasks.map((task) => {
    const added = posted.addedText.get(task.id);
    const kept = added === undefined ? undefined : last.texts.get(task.id)!;
    const full = (
      kept === undefined ? task : { ...task, responseText: grownText(kept + added, kept.length) }
    ) as TaskView;
    next.texts.set(full.id, full.responseText);
    return full;
  });
  return { change: { runIds: posted.runIds, runs, tasks }, next };
}
