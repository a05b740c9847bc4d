import { LedgerClientError, type ReplayFrame, type RunView, type TaskView } from '@run-ledger/client';
import type { LedgerApi } from './context';

/**
 * A run as a share link gives it (`GET /api/share/<token>`): no user id, and tasks' request payloads only when
 * the sharer included them.
 */
export interface SharedRunData {
  run: Omit<RunView, 'userId'>;
  tasks: Array<Omit<TaskView, 'userId' | 'requestData'> & { requestData?: Record<string, unknown> }>;
  events: ReplayFrame[];
}

const readOnly = () =>
  Promise.reject(new LedgerClientError('FORBIDDEN', 'a shared run is read-only', undefined, 'shared'));

/**
 * The components' data source for a shared run: the same surface as the SDK client (`LedgerApi`), answered from
 * one fetched snapshot, so `<RunView readOnly>` and `<ReplayPlayer>` work on a page with no sign-in and no socket.
 * Every write is refused; nothing is ever pushed.
 */
export function sharedRunLedger(data: SharedRunData): LedgerApi {
  // The run's version counts events a link leaves out (its ShareCreated, at least): number the run as far as the
  // shared events go, so the page's "version" and the replay's Version scrubber end where what is shown ends.
  const lastShown = data.events.length ? data.events[data.events.length - 1].version : data.run.version;
  const run: RunView = { ...data.run, userId: '', version: lastShown };
  const tasks: TaskView[] = data.tasks.map((t) => ({ ...t, userId: '', requestData: t.requestData ?? {} }));
  const api = {
    listRuns: async () => ({
      runs: [{ ...run, models: [...new Set(tasks.map((t) => t.model))] }],
      nextCursor: null,
    }),
    getRun: async (runId: string) => {
      if (runId !== run.id) throw new LedgerClientError('NOT_FOUND', 'run not found');
      return { run, tasks };
    },
    runAt: async (_runId: string, input: { version?: number } = {}) =>
      runAtVersion(run, tasks, data.events, input.version),
    subscribe: async () => async () => undefined,
    replay: (_runId: string, input: { fromVersion?: number } = {}) => {
      const frames = data.events.filter((f) => f.version >= (input.fromVersion ?? 0));
      return {
        done: Promise.resolve({ runId: run.id, events: frames.length }),
        async *[Symbol.asyncIterator]() {
          yield* frames;
        },
      };
    },
    usageSummary: async () => ({ rows: [] }),
    run: (runId: string) => ({
      id: runId,
      rename: readOnly,
      star: readOnly,
      archive: readOnly,
      delete: readOnly,
    }),
    resumeRun: readOnly,
    onPush: () => () => undefined,
    command: readOnly,
    request: readOnly,
  };
  return api as unknown as LedgerApi;
}

/** The run as its events up to `version` show it (what `run.at` answers), from the shared events alone. */
function runAtVersion(run: RunView, tasks: TaskView[], events: ReplayFrame[], version = run.version) {
  let name = run.name;
  const seen = new Map<string, { text: string; status: TaskView['status'] }>();
  for (const e of events) {
    if (e.version > version) break;
    const d = e.data as Record<string, unknown>;
    const taskId = typeof d.taskId === 'string' ? d.taskId : '';
    const task = seen.get(taskId);
    if (e.type === 'RunStarted' || e.type === 'RunRenamed') name = String(d.name);
    else if (e.type === 'TaskCreated') seen.set(taskId, { text: '', status: 'pending' });
    else if (e.type === 'ChunkReceived' && task) {
      task.status = 'streaming';
      if ((d.kind ?? 'text') === 'text' && typeof d.text === 'string') task.text += d.text;
    } else if (e.type === 'TaskCompleted' && task) task.status = 'completed';
    else if (e.type === 'TaskFailed' && task) task.status = 'failed';
  }
  const started = events.length > 0 && events[0].version <= version;
  return {
    run: started ? { ...run, name } : null,
    tasks: tasks
      .filter((t) => seen.has(t.taskId))
      .map((t) => ({ ...t, responseText: seen.get(t.taskId)!.text, status: seen.get(t.taskId)!.status })),
    version,
  };
}
