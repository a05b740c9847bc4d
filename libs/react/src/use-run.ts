import type { LedgerClientError, RunView, TaskView } from '@run-ledger/client';
import { useEffect, useState } from 'react';
import { useLedger } from './context';

export interface RunState {
  run: RunView | null;
  /** In creation order. */
  tasks: TaskView[];
  loading: boolean;
  error: LedgerClientError | null;
  /** Set once a push or a read says the run is gone (deleted). */
  gone: boolean;
}

const STATUS_RANK = { pending: 0, streaming: 1, completed: 2, failed: 2 } as const;

/** Whether `next` is at least as far along as `prev` (a read may answer with an older row than a push already gave). */
export function isNewerTask(prev: TaskView, next: TaskView): boolean {
  if (STATUS_RANK[next.status] !== STATUS_RANK[prev.status])
    return STATUS_RANK[next.status] > STATUS_RANK[prev.status];
  if (next.chunkCount !== prev.chunkCount) return next.chunkCount > prev.chunkCount;
  return next.updatedAt >= prev.updatedAt;
}

export function mergeTask(tasks: readonly TaskView[], task: TaskView): TaskView[] {
  const i = tasks.findIndex((t) => t.taskId === task.taskId);
  if (i < 0)
    return [...tasks, task].sort((a, b) =>
      a.createdAt === b.createdAt ? (a.id < b.id ? -1 : 1) : a.createdAt < b.createdAt ? -1 : 1,
    );
  if (!isNewerTask(tasks[i], task)) return tasks as TaskView[];
  const copy = tasks.slice();
  copy[i] = task;
  return copy;
}

/** A run and its tasks, live: subscribed first, then read, so no change between the two is missed. */
export function useRun(runId: string): RunState {
  const ledger = useLedger();
  const [state, setState] = useState<RunState>({
    run: null,
    tasks: [],
    loading: true,
    error: null,
    gone: false,
  });

  useEffect(() => {
    let live = true;
    let unsubscribe: (() => Promise<void>) | undefined;
    setState({ run: null, tasks: [], loading: true, error: null, gone: false });
    const onRun = (run: RunView) =>
      live && setState((s) => (s.run && s.run.version > run.version ? s : { ...s, run }));
    const onTask = (task: TaskView) => live && setState((s) => ({ ...s, tasks: mergeTask(s.tasks, task) }));
    const offRemoved = ledger.onPush<{ runId: string }>(
      'runs.removed',
      (p) => live && p.runId === runId && setState((s) => ({ ...s, gone: true })),
    );
    (async () => {
      unsubscribe = await ledger.subscribe(runId, { onRun, onTask });
      if (!live) return void unsubscribe();
      const { run, tasks } = await ledger.getRun(runId);
      if (!live) return;
      setState((s) => ({
        run: s.run && s.run.version > run.version ? s.run : run,
        tasks: tasks.reduce(mergeTask, s.tasks),
        loading: false,
        error: null,
        gone: false,
      }));
    })().catch(
      (error: LedgerClientError) =>
        live && setState((s) => ({ ...s, loading: false, error, gone: error.code === 'NOT_FOUND' })),
    );
    return () => {
      live = false;
      offRemoved();
      void unsubscribe?.().catch(() => undefined);
    };
  }, [ledger, runId]);

  return state;
}
