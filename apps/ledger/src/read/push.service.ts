import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import type { Clock } from '@ledger/async';
import type { TaskView } from '@ledger/contract';
import type { EventStore } from '@ledger/event-store';
import { LedgerGateway } from '../gateway/ledger.gateway';
import { CLOCK, EVENT_STORE, LOGGER, PG_POOL } from '../infra/tokens';
import { ProjectionHost } from './projection-host';
import { RunsListPushes } from './runs-list.pushes';
import { Throttle } from './throttle';

export const TASK_PUSH_INTERVAL_MS = 100;

/**
 * After each projector commit: `run.updated` and `task.updated` to the run's subscribers, and the runs-list
 * pushes (`runs.changed`, `runs.removed`) to the owner's sockets. A streaming task is pushed at most every
 * 100 ms (the latest state, trailing); a task's final state always goes out at once. Every window is one of the
 * injected clock (CLOCK), never of `Date.now()`, so tests move time themselves.
 */
@Injectable()
export class PushService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly tasks: Throttle<string, TaskView>;
  readonly runsList: RunsListPushes;

  constructor(
    private readonly gateway: LedgerGateway,
    private readonly host: ProjectionHost,
    @Inject(PG_POOL) pool: Pool,
    @Inject(EVENT_STORE) store: EventStore,
    @Inject(LOGGER) logger: Logger,
    @Inject(CLOCK) clock: Clock,
  ) {
    this.tasks = new Throttle(
      TASK_PUSH_INTERVAL_MS,
      (task) => this.gateway.push(task.runId, 'task.updated', { task }),
      clock,
    );
    // A task of an erased run whose latest state waits for its window: dropped before the run's `runs.removed`.
    const dropTasksOf = (runId: string) => this.tasks.drop((task) => task.runId === runId);
    this.runsList = new RunsListPushes(gateway, pool, store, logger, clock, dropTasksOf);
  }

  onApplicationBootstrap(): void {
    this.host.onCommit((change) => {
      for (const run of change.runs) this.gateway.push(run.id, 'run.updated', { run });
      for (const task of change.tasks)
        this.tasks.submit(task.id, task, task.status === 'completed' || task.status === 'failed');
      this.runsList.onCommit(change);
    });
  }

  onModuleDestroy(): void {
    this.tasks.close();
    this.runsList.close();
  }
}
