import { Inject, Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import {
  LedgerError,
  ledgerErrors,
  type AckData,
  type CommandPayload,
  type RebuildProgress,
} from '@ledger/contract';
import { rebuild } from '@ledger/projections';
import { loadPricing, type Pricing } from '@ledger/pricing';
import { INFRA, type LedgerInfra } from '../infra/tokens';
import { ProjectionHost } from './projection-host';
import { Throttle } from './throttle';
import { USER_PUSHER, type UserPusher } from './user-pusher';

export const PROGRESS_PUSH_INTERVAL_MS = 100;

/** The admin commands the dashboard's admin page uses: rebuild with live progress, the price catalog. */
@Injectable()
export class AdminService {
  private pricing: Pricing | null = null;
  private rebuilding = false;

  constructor(
    @Inject(INFRA) private readonly infra: LedgerInfra,
    private readonly projection: ProjectionHost,
    // The pusher (the gateway) is looked up when used: the gateway depends on this service (via the dispatcher).
    private readonly modules: ModuleRef,
  ) {}

  /**
   * Rebuilds the read models while pushing `projections.progress` to the caller's own sockets (at most one
   * every 100 ms, and `done` always). One rebuild at a time in this process: another is CONFLICT.
   */
  async rebuild(
    callerId: string,
    p: CommandPayload<'projections.rebuild'>,
  ): Promise<AckData['projections.rebuild']> {
    const name = p.name ?? this.projection.projector.name;
    if (name !== this.projection.projector.name) throw ledgerErrors.projectionNotFound(name);
    if (this.rebuilding) throw new LedgerError('CONFLICT', 'a rebuild is already running');
    this.rebuilding = true;
    const pushes = this.modules.get<UserPusher>(USER_PUSHER, { strict: false });
    const progress = new Throttle<string, RebuildProgress>(PROGRESS_PUSH_INTERVAL_MS, (value) =>
      pushes.pushToUser(callerId, 'projections.progress', value),
    );
    try {
      progress.submit(name, { name, phase: 'fold', events: 0 });
      const result = await rebuild({
        store: this.infra.store,
        pool: this.infra.pool,
        name,
        // The fold reports each page of the log; once it has read it all, the tables are written and swapped.
        onProgress: (events, total) =>
          progress.submit(name, { name, phase: events < total ? 'fold' : 'write', events, total }),
      });
      progress.submit(name, { name, phase: 'done', events: result.events, total: result.events }, true);
      // The ack's fields (docs/protocol.md), not whatever else the rebuild reports.
      return { name: result.name, events: result.events, ms: result.ms, quarantined: result.quarantined };
    } finally {
      progress.close();
      this.rebuilding = false;
    }
  }

  /** Every entry of the catalog this server prices with (built-in, then `LEDGER_PRICES_FILE`'s). */
  pricesList(): AckData['prices.list'] {
    this.pricing ??= loadPricing({ overridesFile: this.infra.config.LEDGER_PRICES_FILE });
    return { entries: this.pricing.list() };
  }

  /** Models of ended tasks without a price, over every user, most tasks first (from `usage_daily`). */
  async pricesMissing(): Promise<AckData['prices.missing']> {
    const { rows } = await this.infra.pool.query<{ provider: string; model: string; tasks: string }>(
      `SELECT provider, model, SUM(unpriced_tasks) AS tasks FROM usage_daily
       GROUP BY provider, model HAVING SUM(unpriced_tasks) > 0 ORDER BY 3 DESC, 1, 2`,
    );
    return { models: rows.map((r) => ({ provider: r.provider, model: r.model, tasks: Number(r.tasks) })) };
  }
}
