import { Controller, Get, HttpException, HttpStatus, Inject } from '@nestjs/common';
import type { Pool } from 'pg';
import type { EventStore } from '@ledger/event-store';
import { EVENT_STORE, PG_POOL } from '../infra/tokens';

@Controller()
export class HealthController {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  /** Readiness: the read-model database and the event store both answer. */
  @Get('health')
  async health() {
    const checks = await Promise.all([
      this.pool.query('SELECT 1').then(
        () => 'up',
        () => 'down',
      ),
      this.store.headPosition().then(
        () => 'up',
        () => 'down',
      ),
    ]);
    const body = {
      status: checks.every((c) => c === 'up') ? 'ok' : 'unavailable',
      database: checks[0],
      eventStore: checks[1],
      store: this.store.kind,
    };
    if (body.status !== 'ok') throw new HttpException(body, HttpStatus.SERVICE_UNAVAILABLE);
    return body;
  }
}
