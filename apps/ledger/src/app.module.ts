import { Module, type DynamicModule } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { systemClock, type Clock } from '@ledger/async';
import { CommandDispatcher } from './gateway/command-dispatcher';
import { LedgerGateway } from './gateway/ledger.gateway';
import { HealthController } from './http/health.controller';
import { ShareController } from './http/share.controller';
import { WebModule } from './http/web.module';
import { LedgerMetrics } from './infra/metrics';
import type { LedgerRuntime } from '@ledger/runtime';
import { CLOCK, CONFIG, EVENT_STORE, INFRA, LOGGER, PG_POOL, type LedgerInfra } from './infra/tokens';
import { ProjectionHost } from './read/projection-host';
import { PushService } from './read/push.service';
import { AdminService } from './read/admin.service';
import { ShareService } from './read/shares';
import { USER_PUSHER } from './read/user-pusher';
import { ReadService } from './read/read.service';
import { RecordCommandHandler } from './write/record.command';
import { RunWriter } from './write/run-writer';
import { budgetProviders } from './budget/budget.providers';
import { RetentionScheduler } from './retention/retention-scheduler';

const commandHandlers = [RecordCommandHandler];
const gateways = [LedgerGateway, CommandDispatcher];
const readSide = [ReadService, ProjectionHost, PushService, AdminService, ShareService];

@Module({})
export class AppModule {
  static forRuntime(runtime: LedgerRuntime, options: { clock?: Clock } = {}): DynamicModule {
    const metrics = new LedgerMetrics();
    const writer = new RunWriter(runtime.store, runtime.pricing, {
      flushDelayMs: runtime.config.LEDGER_FLUSH_MS,
      maxInflight: runtime.config.LEDGER_APPENDS_IN_FLIGHT,
      maxCachedRuns: runtime.config.LEDGER_RUN_CACHE_RUNS,
      maxCachedBytes: runtime.config.LEDGER_RUN_CACHE_MB * 1024 * 1024,
      onFlush: ({ commands, events }) => {
        metrics.appendBatchCommands.observe(commands);
        metrics.appendBatchEvents.observe(events);
      },
    });
    const infra: LedgerInfra = {
      config: runtime.config,
      logger: runtime.logger,
      store: runtime.store,
      pool: runtime.pool,
      clock: options.clock ?? systemClock,
    };
    return {
      module: AppModule,
      imports: [CqrsModule.forRoot(), WebModule.forConfig(runtime.config)],
      controllers: [HealthController, ShareController],
      providers: [
        { provide: CONFIG, useValue: infra.config },
        { provide: LOGGER, useValue: infra.logger },
        { provide: EVENT_STORE, useValue: infra.store },
        { provide: PG_POOL, useValue: infra.pool },
        { provide: LedgerMetrics, useValue: metrics },
        { provide: RunWriter, useValue: writer },
        ...commandHandlers,
        ...gateways,
        ...readSide,
        { provide: USER_PUSHER, useExisting: LedgerGateway },
        { provide: CLOCK, useValue: infra.clock },
        { provide: INFRA, useValue: infra },
        ...budgetProviders,
        RetentionScheduler,
      ],
    };
  }
}
