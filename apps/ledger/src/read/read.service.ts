import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { LedgerError, ledgerErrors, type AckData, type CommandPayload } from '@ledger/contract';
import type { LedgerConfig } from '@ledger/config';
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
import { Ownership, type Viewer } from './ownership';
import { ProjectionHost } from './projection-host';
import type { ReplayTarget } from '@ledger/replay';
import { Replays } from './replays';

export type ReplaySink = ReplayTarget;

/** How long `run.get` waits for the projection to reflect this server's acknowledged writes. */
const READ_YOUR_WRITES_MS = 3000;
/** How often a standby instance reads a run's rows again while waiting for them to catch up. */
const STANDBY_POLL_MS = 20;

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
  async getRun(viewer: Viewer, p: CommandPayload<'run.get'>): Promise<AckData['run.get']> {
    // Erased here: the projector may still hold its rows, but the deletion was acknowledged, and nothing can bring
    // the run back (its id keeps its tombstone). NOT_FOUND for every caller, as the log would answer.
    if (this.writer.erased(p.runId)) throw ledgerErrors.runNotFound();
    const deadline = Date.now() + READ_YOUR_WRITES_MS;
    for (;;) {
      const known = this.writer.knownVersion(p.runId);
      // Listen before reading, so a commit between the read and the wait is not missed.
      const caughtUp = this.waitForRun(p.runId, known ?? -1, deadline);
      try {
        const found = await getRun(this.pool, viewer, p.runId);
        if (found && (known === null || found.run.version >= known)) return found;
        if (!found && (known === null || !(await this.inLog(viewer, p.runId))))
          throw ledgerErrors.runNotFound();
        if (!(await caughtUp.done)) {
          if (found) return found;
          throw ledgerErrors.runNotFound();
        }
      } finally {
        caughtUp.cancel();
      }
    }
  }

  /** Whether the log holds a live run this caller reads (an erased run keeps only its tombstone). */
  private async inLog(viewer: Viewer, runId: string): Promise<boolean> {
    return this.ownership.access(viewer, runId).then(
      () => true,
      () => false,
    );
  }

  /** The caller's runs, or with `teamId` the runs of one of its teams (FORBIDDEN for a team it is not in). */
  async listRuns(viewer: Viewer, p: CommandPayload<'runs.list'>): Promise<AckData['runs.list']> {
    if (p.teamId !== undefined && !viewer.teams.includes(p.teamId.toLowerCase()))
      throw ledgerErrors.notYourTeam();
    return listRuns(this.pool, viewer, p);
  }

  /** The caller's usage, or with `teamId` its team's: for an admin of that team only (FORBIDDEN otherwise). */
  async usageSummary(viewer: Viewer, p: CommandPayload<'usage.summary'>): Promise<AckData['usage.summary']> {
    if (p.teamId !== undefined && viewer.teamRoles[p.teamId.toLowerCase()] !== 'admin')
      throw new LedgerError('FORBIDDEN', "a team's usage is for the admins of that team");
    return usageSummary(this.pool, viewer, p);
  }

  async runAt(viewer: Viewer, p: CommandPayload<'run.at'>): Promise<AckData['run.at']> {
    await this.ownership.assertReader(viewer, p.runId);
    const at = await runAt(this.store, viewer, p.runId, { version: p.version, at: p.at });
    return at ?? { run: null, tasks: [], version: -1 };
  }

  async projectionStatus(): Promise<AckData['projections.status']> {
    return { projections: await this.projection.status() };
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
    if (name !== undefined && name !== known) throw ledgerErrors.projectionNotFound(name);
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
      // A standby projects nothing itself (another instance leads): read the rows again shortly instead.
      const poll = this.projection.leads() ? undefined : setTimeout(() => finish(true), STANDBY_POLL_MS);
      const off = this.projection.onCommit((change) => {
        if (!change.runIds.includes(runId)) return;
        const run = change.runs.find((r) => r.id === runId);
        if (run && run.version < version) return;
        finish(true);
      });
      function finish(value: boolean) {
        clearTimeout(timer);
        clearTimeout(poll);
        off();
        resolve(value);
      }
      cancel = () => finish(false);
    });
    return { done, cancel };
  }

  /** A socket joins a run's room (`run.updated`, `task.updated`) once the run is one it may read. */
  async subscribe(viewer: Viewer, { runId }: CommandPayload<'run.subscribe'>, session: SubscriptionSession) {
    await this.ownership.assertReader(viewer, runId);
    session.join(runId);
    return {} satisfies AckData['run.subscribe'];
  }

  /** Leaving needs no check: a socket only ever leaves its own rooms. */
  async unsubscribe({ runId }: CommandPayload<'run.unsubscribe'>, session: SubscriptionSession) {
    session.leave(runId);
    return {} satisfies AckData['run.unsubscribe'];
  }

  async replay(
    viewer: Viewer,
    p: CommandPayload<'run.replay'>,
    sink: ReplaySink,
  ): Promise<AckData['run.replay']> {
    await this.ownership.assertReader(viewer, p.runId);
    return this.replays.run(viewer.userId, p, sink);
  }
}
