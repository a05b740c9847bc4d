import type { Pool } from 'pg';
import type { Logger } from 'pino';
import type { Clock } from '@ledger/async';
import type { RunListItem, RunView, TaskView } from '@ledger/contract';
import { toRunStreamId } from '@ledger/domain';
import type { EventStore } from '@ledger/event-store';
import { modelsOfRuns, type ProjectorChange } from '@ledger/projections';
import type { LedgerGateway } from '../gateway/ledger.gateway';
import { messagesJsonLength } from '../gateway/push-encoder';
import { Throttle } from './throttle';

export const RUN_PUSH_INTERVAL_MS = 100;
/**
 * What one run's `runs.changed` may send per second to each socket: a run whose row (its messages) is larger than
 * 200 KB waits longer than 100 ms between pushes, so a long conversation costs the server and its clients no more
 * per second than a short one (docs/performance.md, long runs: a 2.4 MB row ten times a second to every socket of
 * the owner made a command into a 100,000-event run cost twice one into a new run).
 */
export const RUN_PUSH_BYTES_PER_SECOND = 2_000_000;
/** Runs whose models are kept in memory (the rest are read again when they next change). */
const MODEL_CACHE_RUNS = 10_000;

type ListPush = { kind: 'changed'; run: RunView } | { kind: 'removed'; runId: string; userId: string };

/** The window after a push: 100 ms, longer for a row too large to send ten times a second (its messages' JSON). */
function pushInterval(push: ListPush): number {
  if (push.kind === 'removed') return RUN_PUSH_INTERVAL_MS;
  const bytes = messagesJsonLength(push.run.messages);
  return Math.max(RUN_PUSH_INTERVAL_MS, Math.round((1000 * bytes) / RUN_PUSH_BYTES_PER_SECOND));
}

/**
 * The live runs list: after each projector commit, `runs.changed` {run} (the run as `runs.list` gives it) for
 * every run created or changed, and `runs.removed` {runId} for every run erased, to the owner's sockets that
 * listed their runs (and for a removal, the run's subscribers too). At most one `runs.changed` per run every
 * 100 ms (the latest state, trailing); a removal goes out at once.
 */
export class RunsListPushes {
  private readonly throttle: Throttle<string, ListPush>;
  private readonly models = new Map<string, Set<string>>();
  /** Commits are handled one after another, so a slow model look-up never lets an older state overtake. */
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly gateway: LedgerGateway,
    private readonly pool: Pool,
    private readonly store: EventStore,
    private readonly logger: Logger,
    /** The server's clock (a ManualClock in tests): the 100 ms windows are windows of it. */
    clock: Clock,
    /**
     * Called with an erased run's id just before its `runs.removed` is sent, which is final: what else waits to be
     * pushed about the run (a task's state in its window) is dropped there, or it would follow the removal.
     */
    private readonly beforeRemoved: (runId: string) => void = () => undefined,
  ) {
    this.throttle = new Throttle(pushInterval, (push) => this.send(push), clock);
  }

  onCommit(change: ProjectorChange): void {
    this.queue = this.queue
      .then(() => this.handle(change))
      .catch((error) => this.logger.warn({ err: error }, 'runs list pushes of a commit were not sent'));
  }

  /** Resolves once every commit handed over so far has been handled (for shutdown and tests). */
  idle(): Promise<void> {
    return this.queue;
  }

  close(): void {
    this.throttle.close();
  }

  private async handle(change: ProjectorChange): Promise<void> {
    const changed = change.runs.filter((run) => this.gateway.watchesRunsList(run.userId));
    await this.learnModels(changed, change.tasks);
    for (const run of changed) this.throttle.submit(run.id, { kind: 'changed', run });
    const present = new Set(change.runs.map((run) => run.id));
    for (const runId of change.runIds) {
      if (present.has(runId)) continue;
      this.models.delete(runId);
      const userId = await this.ownerOfErased(runId);
      if (!userId) continue;
      this.beforeRemoved(runId);
      this.throttle.submit(runId, { kind: 'removed', runId, userId }, true);
    }
  }

  /** Models of the runs about to be pushed: from the commit's tasks, read once from the rows for a run first seen. */
  private async learnModels(runs: readonly RunView[], tasks: readonly TaskView[]): Promise<void> {
    const unknown = runs.filter((run) => !this.models.has(run.id)).map((run) => run.id);
    if (unknown.length) {
      const read = await modelsOfRuns(this.pool, unknown);
      for (const runId of unknown) this.remember(runId, read.get(runId) ?? []);
    }
    for (const task of tasks) this.models.get(task.runId)?.add(task.model);
  }

  private remember(runId: string, models: readonly string[]): void {
    if (this.models.size >= MODEL_CACHE_RUNS) this.models.delete(this.models.keys().next().value as string);
    this.models.set(runId, new Set(models));
  }

  /** An erased run's stream keeps only its `RunDeleted` tombstone, written under its owner's id. */
  private async ownerOfErased(runId: string): Promise<string | null> {
    const [tombstone] = await this.store.readStream(toRunStreamId(runId), { maxCount: 1 });
    return tombstone?.type === 'RunDeleted' ? tombstone.metadata.userId : null;
  }

  private send(push: ListPush): void {
    if (push.kind === 'removed')
      return this.gateway.pushToRunsList(push.userId, push.runId, 'runs.removed', { runId: push.runId });
    const run: RunListItem = { ...push.run, models: [...(this.models.get(push.run.id) ?? [])].sort() };
    this.gateway.pushToRunsList(push.run.userId, run.id, 'runs.changed', { run });
  }
}
