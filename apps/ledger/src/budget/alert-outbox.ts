import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import pRetry from 'p-retry';
import type { Pool, PoolClient } from 'pg';
import type { Logger } from 'pino';
import type { LedgerConfig } from '@ledger/config';
import { BUDGET_STREAM_PREFIX, type BudgetEvent } from '@ledger/domain';
import type { AllBatch, EventStore, Subscription, GlobalPosition } from '@ledger/event-store';
import { CONFIG, EVENT_STORE, LOGGER, PG_POOL } from '../infra/tokens';
import { toBudgetAlert } from './budget-alerts';
import { postAlert, type WebhookTarget } from './alert-webhook';

/** The advisory lock (two 32-bit keys) held by the one instance that fills and delivers the outbox. */
const LOCK_KEYS = [0x6c656467, 0x616c7274];
/** How often an instance without the lock tries to take it (ms). */
const LEADER_RETRY_MS = 5_000;
const CHECKPOINT = 'budget-alerts';
/**
 * A batch without alerts moves the checkpoint at most this often (ms), so following a busy log costs no write per
 * batch; a restart from an older checkpoint only reads again what it had read (its inserts are idempotent).
 */
const CHECKPOINT_EVERY_MS = 5_000;

interface PendingRow {
  alert_id: string;
  body: string;
}

/**
 * Webhook delivery of budget alerts, as an outbox read from the events: the lock holder follows the log from its
 * checkpoint, adds each `BudgetThresholdReached` to `budget_alert_outbox` in the checkpoint's transaction, and POSTs
 * every undelivered row, retried with backoff until a 2xx. Nothing here runs on a command's path, so a webhook that
 * is down never slows a write; a restart resumes the undelivered rows, and a delivered row is never sent again.
 * Without LEDGER_ALERT_WEBHOOK_URL the outbox is not kept (alerts raised then are not sent later).
 */
@Injectable()
export class AlertOutbox implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly target: WebhookTarget | null;
  private readonly stop = new AbortController();
  private lockClient: PoolClient | null = null;
  private subscription: Subscription | null = null;
  private retryTimer?: NodeJS.Timeout;
  private readonly inFlight = new Map<string, Promise<void>>();
  private checkpointedAt = 0;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(CONFIG) private readonly config: LedgerConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    const url = config.LEDGER_ALERT_WEBHOOK_URL;
    const secret = config.LEDGER_ALERT_WEBHOOK_SECRET;
    this.target = url && secret ? { url, secret, timeoutMs: config.LEDGER_ALERT_WEBHOOK_TIMEOUT_MS } : null;
  }

  onApplicationBootstrap(): void {
    if (this.target) void this.lead();
  }

  async onModuleDestroy(): Promise<void> {
    this.stop.abort();
    clearTimeout(this.retryTimer);
    await this.subscription?.stop();
    await Promise.allSettled(this.inFlight.values());
    const client = this.lockClient;
    this.lockClient = null;
    if (client) {
      await client.query('SELECT pg_advisory_unlock($1, $2)', LOCK_KEYS).catch(() => undefined);
      client.release();
    }
  }

  /** Takes the delivery lock, or tries again later (the holder's death frees it with its session). */
  private async lead(): Promise<void> {
    if (this.stop.signal.aborted) return;
    let client: PoolClient | null = null;
    try {
      client = await this.pool.connect();
      const { rows } = await client.query<{ ok: boolean }>(
        'SELECT pg_try_advisory_lock($1, $2) AS ok',
        LOCK_KEYS,
      );
      if (!rows[0].ok || this.stop.signal.aborted) {
        client.release();
        return this.later();
      }
      this.lockClient = client;
      client.on('error', (error) => this.lost(error));
      await this.deliverPending();
      const after = await this.readCheckpoint();
      this.subscription = this.store.subscribeToAll<BudgetEvent>(after, (batch) => this.onBatch(batch), {
        streamPrefix: BUDGET_STREAM_PREFIX,
        onError: (error) => this.logger.error({ err: error }, 'budget alert outbox: log subscription failed'),
      });
      this.logger.info('budget alert outbox: delivering webhooks from this instance');
    } catch (error) {
      client?.release(true);
      this.lockClient = null;
      this.logger.warn({ err: error }, 'budget alert outbox: not started; retrying');
      this.later();
    }
  }

  private later(): void {
    if (this.stop.signal.aborted) return;
    this.retryTimer = setTimeout(() => void this.lead(), LEADER_RETRY_MS);
    this.retryTimer.unref();
  }

  private lost(error: unknown): void {
    this.logger.warn({ err: error }, 'budget alert outbox: lock connection lost; following again');
    const s = this.subscription;
    this.subscription = null;
    this.lockClient = null;
    void s?.stop().finally(() => this.later());
  }

  private async readCheckpoint(): Promise<GlobalPosition | null> {
    const { rows } = await this.pool.query<{ c: string; p: string }>(
      'SELECT commit_position::text AS c, prepare_position::text AS p FROM budget_alert_checkpoint WHERE name = $1',
      [CHECKPOINT],
    );
    return rows[0] ? { commit: BigInt(rows[0].c), prepare: BigInt(rows[0].p) } : null;
  }

  private async onBatch(batch: AllBatch<BudgetEvent>): Promise<void> {
    const alerts = batch.events.flatMap((e) => (e.type === 'BudgetThresholdReached' ? [e.data] : []));
    if (alerts.length === 0 && Date.now() - this.checkpointedAt < CHECKPOINT_EVERY_MS) return;
    this.checkpointedAt = Date.now();
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      for (const a of alerts)
        await client.query(
          'INSERT INTO budget_alert_outbox (alert_id, user_id, body) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
          [a.alertId, a.userId, JSON.stringify(toBudgetAlert(a))],
        );
      await client.query(
        `INSERT INTO budget_alert_checkpoint (name, commit_position, prepare_position) VALUES ($1, $2, $3)
         ON CONFLICT (name) DO UPDATE SET commit_position = $2, prepare_position = $3`,
        [CHECKPOINT, batch.checkpoint.commit.toString(), batch.checkpoint.prepare.toString()],
      );
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
    if (alerts.length) await this.deliverPending();
  }

  /** Starts a delivery for each undelivered row not already being delivered here. */
  private async deliverPending(): Promise<void> {
    const { rows } = await this.pool.query<PendingRow>(
      'SELECT alert_id, body FROM budget_alert_outbox WHERE delivered_at IS NULL ORDER BY seq',
    );
    for (const row of rows) {
      if (this.inFlight.has(row.alert_id)) continue;
      const delivery = this.deliver(row).finally(() => this.inFlight.delete(row.alert_id));
      this.inFlight.set(row.alert_id, delivery);
    }
  }

  private async deliver(row: PendingRow): Promise<void> {
    const target = this.target!;
    try {
      await pRetry(() => postAlert(target, row.alert_id, row.body, this.stop.signal), {
        forever: true,
        factor: 2,
        minTimeout: this.config.LEDGER_ALERT_RETRY_MIN_MS,
        maxTimeout: this.config.LEDGER_ALERT_RETRY_MAX_MS,
        onFailedAttempt: async (error) => {
          if (this.stop.signal.aborted) throw new pRetry.AbortError('the ledger is stopping');
          this.logger.warn(
            { alertId: row.alert_id, attempt: error.attemptNumber, err: error.message },
            'budget alert webhook failed; retrying',
          );
          await this.pool
            .query(
              'UPDATE budget_alert_outbox SET attempts = attempts + 1, last_error = $2 WHERE alert_id = $1',
              [row.alert_id, error.message.slice(0, 1000)],
            )
            .catch(() => undefined);
        },
      });
      await this.pool.query(
        'UPDATE budget_alert_outbox SET delivered_at = now(), attempts = attempts + 1 WHERE alert_id = $1',
        [row.alert_id],
      );
      this.logger.info({ alertId: row.alert_id }, 'budget alert webhook delivered');
    } catch (error) {
      if (!this.stop.signal.aborted)
        this.logger.error({ err: error, alertId: row.alert_id }, 'budget alert webhook');
    }
  }
}
