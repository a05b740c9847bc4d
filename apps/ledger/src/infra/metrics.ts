import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Prometheus metrics of one ledger process (its own registry, so several can live in one test process). */
export class LedgerMetrics {
  readonly registry = new Registry();
  readonly commands = new Counter({
    name: 'ledger_commands_total',
    help: 'Commands by name and result (ok or error code)',
    labelNames: ['command', 'result'] as const,
    registers: [this.registry],
  });
  readonly ackLatency = new Histogram({
    name: 'ledger_ack_latency_seconds',
    help: 'Time from receiving a command to its ack',
    labelNames: ['command'] as const,
    buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly appendBatchEvents = new Histogram({
    name: 'ledger_append_batch_events',
    help: 'Events per group-commit append',
    buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 5000],
    registers: [this.registry],
  });
  readonly appendBatchCommands = new Histogram({
    name: 'ledger_append_batch_commands',
    help: 'Commands per group-commit append',
    buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000],
    registers: [this.registry],
  });
  readonly projectionPosition = new Gauge({
    name: 'ledger_projection_lag_events',
    help: 'Events in the log not yet applied by the projection',
    labelNames: ['projection'] as const,
    registers: [this.registry],
  });
  readonly projectionLagMs = new Gauge({
    name: 'ledger_projection_lag_ms',
    help: 'Age of the oldest event not yet applied by the projection (ms)',
    labelNames: ['projection'] as const,
    registers: [this.registry],
  });
  readonly replaysActive = new Gauge({
    name: 'ledger_replays_active',
    help: 'Replays running (paging, pacing or waiting for a slow client)',
    registers: [this.registry],
  });
  readonly sockets = new Gauge({
    name: 'ledger_sockets',
    help: 'Connected sockets',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }
}
