import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { dateOf } from '../infra/clock';
import { INFRA, type LedgerInfra } from '../infra/tokens';
import {
  applyRetention,
  planRetention,
  policyFromConfig,
  vacuumErased,
  type RetentionSummary,
} from '@ledger/operations';

/** The advisory lock (two 32-bit keys) a retention pass holds, so one instance at a time runs it. */
const LOCK_KEYS = [0x6c656467, 0x72657465];
const HOUR_MS = 3_600_000;

/**
 * Runs the deployment's retention policy (LEDGER_RETENTION_*) once a day at LEDGER_RETENTION_HOUR (UTC), under a
 * PostgreSQL advisory lock: with several instances, the one that takes the lock runs the pass and the others skip.
 */
@Injectable()
export class RetentionScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private timer?: NodeJS.Timeout;
  private running: Promise<unknown> = Promise.resolve();

  constructor(@Inject(INFRA) private readonly infra: LedgerInfra) {}

  onApplicationBootstrap(): void {
    if (policyFromConfig(this.infra.config)) this.scheduleNext();
  }

  async onModuleDestroy(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running.catch(() => undefined);
  }

  /** One pass now, if no other instance is running one (null: skipped). */
  async runOnce(): Promise<RetentionSummary | null> {
    const policy = policyFromConfig(this.infra.config);
    if (!policy) return null;
    const client = await this.infra.pool.connect();
    try {
      const { rows } = await client.query<{ ok: boolean }>(
        'SELECT pg_try_advisory_lock($1, $2) AS ok',
        LOCK_KEYS,
      );
      if (!rows[0].ok) {
        this.infra.logger.info('retention: another instance is running a pass; skipped');
        return null;
      }
      try {
        const now = dateOf(this.infra.clock);
        const plan = await planRetention(this.infra.pool, policy, now);
        const summary = await applyRetention(plan, { store: this.infra.store, now });
        if (summary.erased > 0 && this.infra.store.kind === 'postgres')
          await vacuumErased(this.infra.pool, ['events']);
        this.infra.logger.info({ retention: summary, planned: plan.length }, 'retention pass done');
        return summary;
      } finally {
        await client.query('SELECT pg_advisory_unlock($1, $2)', LOCK_KEYS);
      }
    } finally {
      client.release();
    }
  }

  private scheduleNext(): void {
    const now = dateOf(this.infra.clock);
    const next = new Date(now);
    next.setUTCHours(this.infra.config.LEDGER_RETENTION_HOUR, 0, 0, 0);
    if (next.getTime() <= now.getTime()) next.setTime(next.getTime() + 24 * HOUR_MS);
    this.timer = setTimeout(() => {
      this.running = this.runOnce()
        .catch((error: unknown) => this.infra.logger.error({ err: error }, 'retention pass failed'))
        .finally(() => {
          if (this.timer) this.scheduleNext();
        });
    }, next.getTime() - now.getTime());
    this.timer.unref();
  }
}
