import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { LedgerError, type AckData, type CommandPayload } from '@ledger/contract';
import type { LedgerConfig } from '@ledger/config';
import { toRunStreamId } from '@ledger/domain';
import type { EventStore } from '@ledger/event-store';
import {
  getRun,
  listRuns,
  NotQuarantined,
  retryQuarantined,
  runAt,
  skipQuarantined,
  usageSummary,
} from '@ledger/projections';
import { LedgerMetrics } from '../infra/metrics';
import { CONFIG, EVENT_STORE, PG_POOL } from '../infra/tokens';
import { RunWriter } from '../write/run-writer';
import { Ownership } from './ownership';
import { ProjectionHost } from './projection-host';
import type { ReplayTarget } from '@ledger/replay';
import { Replays } from './replays';

export type ReplaySink = ReplayTarget;

/** How long `run.get` waits for the projection to reflect this server's acknowledged writes. */
const READ_YOUR_WRITES_MS = 3000;

export interface SubscriptionSession {
  join(runId: string): void;
  leave(runId: string): void;
}

/** The query side of the protocol: read models, replay, time travel, projection admin. */
@Injectable()
export class ReadService {
  readonly ownership: Ownership;
  readonly replays: Replays;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly writer: RunWriter,
    private readonly projection: ProjectionHost,
    @Inject(CONFIG) config: LedgerConfig,
    metrics: LedgerMetrics,
  ) {
    this.ownership = new Ownership(store);
    this.replays = new Replays(
      store,
      {
        pageEvents: config.LEDGER_REPLAY_PAGE_EVENTS,
        maxPerUser: config.LEDGER_REPLAY_MAX_PER_USER,
        maxGapMs: config.LEDGER_REPLAY_MAX_GAP_MS,
      },
      (active) => metrics.replaysActive.set(active),
    );
  }

  /** The run's rows; read-your-writes: waits (briefly) until they reflect every write this server acknowledged. */
  async getRun(userId: string, p: CommandPayload<'run.get'>): Promise<AckData['run.get']> {
    const deadline = Date.now() + READ_YOUR_WRITES_MS;
    for (;;) {
      const known = this.writer.knownVersion(p.runId);
      // Listen before reading, so a commit between the read and the wait is not missed.
      const caughtUp = this.waitForRun(p.runId, known ?? -1, deadline);
      try {
        const found = await getRun(this.pool, userId, p.runId);
        if (found && (known === null || found.run.version >= known)) return found;
        if (!found && (known === null || !(await this.inLog(userId, p.runId))))
          throw new LedgerError('NOT_FOUND', 'run not found');
        if (!(await caughtUp.done)) {
          if (found) return found;
          throw new LedgerError('NOT_FOUND', 'run not found');
        }
      } finally {
        caughtUp.cancel();
      }
    }
  }

  /** Whether the log holds a live run of this user (an erased run keeps only its tombstone). */
  private async inLog(userId: string, runId: string): Promise<boolean> {
    const [first] = await this.store.readStream(toRunStreamId(runId), { maxCount: 1 });
    return first?.type === 'RunStarted' && (first.data as { userId: string }).userId === userId;
  }

  async listRuns(userId: string, p: CommandPayload<'runs.list'>): Promise<AckData['runs.list']> {
    return listRuns(this.pool, userId, p);
  }

  async usageSummary(userId: string, p: CommandPayload<'usage.summary'>): Promise<AckData['usage.summary']> {
    return usageSummary(this.pool, userId, p);
  }

  async runAt(userId: string, p: CommandPayload<'run.at'>): Promise<AckData['run.at']> {
    await this.ownership.assertOwner(userId, p.runId);
    const at = await runAt(this.store, userId, p.runId, { version: p.version, at: p.at });
    return at ?? { run: null, tasks: [], version: -1 };
  }

  async projectionStatus(): Promise<AckData['projections.status']> {
    return { projections: await this.projection.projector.status() };
  }

  /** `projections.retry` / `projections.skip`: an operator's answer to a quarantined run, after a fix. */
  async resolveQuarantined(
    action: 'retry' | 'skip',
    p: CommandPayload<'projections.retry'>,
  ): Promise<AckData['projections.retry']> {
    const options = { store: this.store, pool: this.pool, name: this.projectionName(p.name), runId: p.runId };
    try {
      return await (action === 'retry' ? retryQuarantined(options) : skipQuarantined(options));
    } catch (error) {
      if (error instanceof NotQuarantined) throw new LedgerError('NOT_FOUND', error.message);
      throw error;
    }
  }

  private projectionName(name: string | undefined): string {
    const known = this.projection.projector.name;
    if (name !== undefined && name !== known)
      throw new LedgerError('NOT_FOUND', `no projection named ${name}`);
    return known;
  }

  /** `done` resolves true when the projector commits the run at `version` or later (or erases it), false at the deadline. */
  private waitForRun(
    runId: string,
    version: number,
    deadline: number,
  ): { done: Promise<boolean>; cancel(): void } {
    let cancel = () => undefined as void;
    const done = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => finish(false), Math.max(0, deadline - Date.now()));
      const off = this.projection.onCommit((change) => {
        if (!change.runIds.includes(runId)) return;
        const run = change.runs.find((r) => r.id === runId);
        if (run && run.version < version) return;
        finish(true);
      });
      function finish(value: boolean) {
        clearTimeout(timer);
        off();
        resolve(value);
      }
      cancel = () => finish(false);
    });
    return { done, cancel };
  }

  async subscribe(
    userId: string,
    p: CommandPayload<'run.subscribe'>,
    session: SubscriptionSession,
  ): Promise<AckData['run.subscribe']> {
    await this.ownership.assertOwner(userId, p.runId);
    session.join(p.runId);
    return {};
  }

  async unsubscribe(
    p: CommandPayload<'run.unsubscribe'>,
    session: SubscriptionSession,
  ): Promise<AckData['run.unsubscribe']> {
    session.leave(p.runId);
    return {};
  }

  async replay(
    userId: string,
    p: CommandPayload<'run.replay'>,
    sink: ReplaySink,
  ): Promise<AckData['run.replay']> {
    await this.ownership.assertOwner(userId, p.runId);
    return this.replays.run(userId, p, sink);
  }
}
