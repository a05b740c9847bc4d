import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { withTimeout, type Clock } from '@ledger/async';
import { loadConfig, type LedgerConfig } from '@ledger/config';
import { AppModule } from './app.module';
import { LedgerIoAdapter } from './gateway/io-adapter';
import { LedgerGateway } from './gateway/ledger.gateway';
import { startMetricsServer } from './http/metrics-server';
import { LedgerMetrics } from './infra/metrics';
import { PinoNestLogger } from './infra/nest-logger';
import { connectFanout } from './infra/redis-fanout';
import { createLogger, createRuntime, type LedgerRuntime } from '@ledger/runtime';
import { ProjectionHost } from './read/projection-host';
import { RunWriter } from './write/run-writer';

/** How long a graceful shutdown waits for the projector to reach the log head. */
const PROJECTION_DRAIN_MS = 10_000;

export interface RunningLedger {
  readonly app: INestApplication;
  readonly runtime: LedgerRuntime;
  readonly url: string;
  readonly gateway: LedgerGateway;
  /** Prometheus, on its own loopback listener (LEDGER_METRICS_PORT); null when it could not bind. */
  readonly metricsUrl: string | null;
  /** Graceful: stop taking commands, make everything accepted durable, commit the projection, close. */
  close(): Promise<void>;
}

export interface StartOptions {
  /** The server's clock (budget periods, retention ages, push throttling); default the system clock. Tests pass a ManualClock. */
  readonly clock?: Clock;
}

export async function startLedger(
  env: NodeJS.ProcessEnv = process.env,
  options: StartOptions = {},
): Promise<RunningLedger> {
  const config: LedgerConfig = loadConfig(env);
  const logger = createLogger(config.LEDGER_LOG_LEVEL);
  if (config.jwtSecretIsDefault)
    logger.warn('LEDGER_JWT_SECRET is not set: using the development secret (never do this in production)');
  const runtime = await createRuntime(config, logger);
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRuntime(runtime, options), {
    logger: new PinoNestLogger(logger),
    abortOnError: false,
  });
  app.disable('x-powered-by');
  const fanout = connectFanout(config.REDIS_URL, logger);
  app.useWebSocketAdapter(new LedgerIoAdapter(app, config, fanout));
  await app.listen(config.PORT, config.HOST);
  const address = app.getHttpServer().address() as { port: number };
  const url = `http://127.0.0.1:${address.port}`;
  logger.info({ url, port: address.port, eventStore: runtime.store.kind }, `ledger listening on ${url}`);
  const gateway = app.get(LedgerGateway);
  const metrics = await startMetricsServer(
    app.get(LedgerMetrics).registry,
    config.LEDGER_METRICS_PORT,
    config.LEDGER_METRICS_HOST,
    logger,
  );
  let closing: Promise<void> | null = null;
  return {
    app,
    runtime,
    url,
    gateway,
    metricsUrl: metrics.url,
    close: () =>
      (closing ??= (async () => {
        gateway.stopAccepting();
        await app.get(RunWriter).close();
        await drainProjection(app.get(ProjectionHost), runtime);
        await app.close();
        await metrics.close();
        await fanout?.close();
        await runtime.close();
      })()),
  };
}

/**
 * Lets the projector catch up with the last writes before it is stopped, so that its checkpoint is the log head
 * when the process exits (stopping alone only commits the batch in progress). Bounded: a failed or stuck
 * projection must not block the shutdown; it resumes from its checkpoint at the next start.
 */
async function drainProjection(host: ProjectionHost, runtime: LedgerRuntime): Promise<void> {
  if (runtime.config.LEDGER_PROJECTOR === 'off' || !host.leads()) return;
  try {
    const head = await runtime.store.headPosition();
    if (!head) return;
    await withTimeout(
      host.projector.waitFor(head),
      PROJECTION_DRAIN_MS,
      () => new Error(`the projection did not reach the log head within ${PROJECTION_DRAIN_MS} ms`),
    );
  } catch (error) {
    runtime.logger.warn(
      { err: error },
      'shutdown: projection not drained; it resumes from its checkpoint at the next start',
    );
  }
}
