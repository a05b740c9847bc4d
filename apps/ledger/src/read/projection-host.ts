import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import type { LedgerConfig } from '@ledger/config';
import type { ProjectionStatus } from '@ledger/contract';
import { setTimeout as sleep } from 'node:timers/promises';
import { comparePositions, type EventStore, type GlobalPosition } from '@ledger/event-store';
import { Projector, readCheckpoints, type ProjectorChange } from '@ledger/projections';
import { ProjectorThread, type HostedProjector } from './projector-thread';
import { LedgerMetrics } from '../infra/metrics';
import { CONFIG, EVENT_STORE, LOGGER, PG_POOL } from '../infra/tokens';
import { leaderStatus, projectionLeader, type ProjectionLeader } from './projection-leader.host';

type Listener = (change: ProjectorChange) => void;

/** Larger batches under load: a streaming task's growing text is rewritten once per batch, not per chunk. */
const BATCH_SIZE = 5000;
/** How often a standby reads the projection's checkpoint while a caller waits for it (`caughtUp`). */
const STANDBY_POLL_MS = 20;

/**
 * Hosts the live projector in the server: starts it after boot, stops it (committing its batch) at shutdown. It
 * runs in a worker thread of its own (LEDGER_PROJECTOR_THREAD=on, the default) or on the server's event loop.
 */
@Injectable()
export class ProjectionHost implements OnApplicationBootstrap, OnModuleDestroy {
  readonly projector: HostedProjector;
  private readonly listeners = new Set<Listener>();
  private gauges?: NodeJS.Timeout;
  /** Only the instance holding the projection's lock projects (the others stand by). */
  private leader?: ProjectionLeader;

  constructor(
    @Inject(EVENT_STORE) store: EventStore,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(CONFIG) private readonly config: LedgerConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly metrics: LedgerMetrics,
  ) {
    this.projector =
      config.LEDGER_PROJECTOR_THREAD === 'on' && config.LEDGER_PROJECTOR === 'on'
        ? new ProjectorThread(
            {
              config,
              connectionString: pool.options.connectionString as string,
              batchSize: BATCH_SIZE,
              minBatchIntervalMs: config.LEDGER_PROJECTOR_INTERVAL_MS,
            },
            logger,
          )
        : inThisThread(store, pool, config, logger);
    this.projector.onCommit((change) => {
      for (const l of this.listeners) l(change);
    });
  }

  onCommit(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.LEDGER_PROJECTOR === 'off') return;
    this.leader = projectionLeader(this.projector, this.pool, this.config, this.logger);
    await this.leader.start();
    this.gauges = setInterval(() => void this.refreshGauges(), 5000);
    this.gauges.unref();
  }

  /** Whether this instance projects now. */
  leads(): boolean {
    return this.leader?.isLeader() ?? false;
  }

  /**
   * Resolves once the projection has committed `head` (or after `timeoutMs`; never rejects): read-your-writes for
   * reads of the rows. Here a wait for this instance's own projector when it leads; on a standby, whose projector
   * is stopped (another instance projects), the checkpoint read again every STANDBY_POLL_MS until it passes.
   */
  async caughtUp(head: GlobalPosition, timeoutMs: number): Promise<void> {
    if (this.leads()) {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
      // A projector that cannot answer (its thread being replaced) leaves the caller to the rows there are.
      const projected = this.projector.waitFor(head).catch(() => undefined);
      return Promise.race([projected, late]).finally(() => clearTimeout(timer));
    }
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const mine = (await readCheckpoints(this.pool).catch(() => [])).find(
        (c) => c.name === this.projector.name,
      );
      if (mine?.position && comparePositions(mine.position, head) >= 0) return;
      await sleep(Math.min(STANDBY_POLL_MS, Math.max(0, deadline - Date.now())));
    }
  }

  /** The projector's status with the instance that leads it. */
  async status(): Promise<ProjectionStatus[]> {
    return leaderStatus(await this.projector.status(), this.pool);
  }

  async refreshGauges(): Promise<void> {
    try {
      for (const s of await this.status()) {
        this.metrics.projectionPosition.set({ projection: s.name }, s.lag);
        this.metrics.projectionLagMs.set({ projection: s.name }, s.lagMs);
      }
    } catch (error) {
      this.logger.debug({ err: error }, 'projection gauges not refreshed');
    }
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.gauges);
    await (this.leader ? this.leader.stop() : this.projector.stop());
    await this.projector.close();
  }
}

function inThisThread(store: EventStore, pool: Pool, config: LedgerConfig, logger: Logger): HostedProjector {
  const projector = new Projector({
    store,
    pool,
    batchSize: BATCH_SIZE,
    minBatchIntervalMs: config.LEDGER_PROJECTOR_INTERVAL_MS,
    logger: {
      log: (m) => logger.info({ projection: 'runs' }, m),
      error: (m, e) => logger.error({ projection: 'runs', err: e }, m),
    },
  });
  return Object.assign(projector, { close: async () => undefined });
}
