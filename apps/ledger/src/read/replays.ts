import { LedgerError, type AckData, type CommandPayload } from '@ledger/contract';
import { toRunStreamId } from '@ledger/domain';
import type { EventStore } from '@ledger/event-store';
import { replayPaged, type ReplayTarget } from '@ledger/replay';

export interface ReplayLimits {
  /** Events read from the store per page (one page held per replay). */
  readonly pageEvents: number;
  /** Replays one user may have running at once, over all their sockets. */
  readonly maxPerUser: number;
  /** A gap in the original timing longer than this (after division by speed) is shortened to it. */
  readonly maxGapMs: number;
}

/**
 * The replays running in this process: at most `maxPerUser` per user, each paging through its stream. `active`
 * counts the replays in flight (a gauge and the tests read it), so a replay that outlives its client shows.
 */
export class Replays {
  private readonly perUser = new Map<string, number>();
  private running = 0;

  constructor(
    private readonly store: EventStore,
    private readonly limits: ReplayLimits,
    private readonly onActive: (active: number) => void = () => undefined,
  ) {}

  get active(): number {
    return this.running;
  }

  async run(
    userId: string,
    p: CommandPayload<'run.replay'>,
    target: ReplayTarget,
  ): Promise<AckData['run.replay']> {
    const mine = this.perUser.get(userId) ?? 0;
    if (mine >= this.limits.maxPerUser)
      throw new LedgerError(
        'RATE_LIMITED',
        `too many replays at once: at most ${this.limits.maxPerUser} per user; wait for one to end`,
      );
    this.perUser.set(userId, mine + 1);
    this.onActive(++this.running);
    try {
      const streamId = toRunStreamId(p.runId);
      const events = await replayPaged(
        { read: (fromRevision, maxCount) => this.store.readStream(streamId, { fromRevision, maxCount }) },
        {
          runId: p.runId,
          fromVersion: p.fromVersion ?? 0,
          speed: p.speed ?? 0,
          maxGapMs: this.limits.maxGapMs,
          pageSize: this.limits.pageEvents,
        },
        target,
      );
      return { runId: p.runId, events };
    } finally {
      const left = (this.perUser.get(userId) ?? 1) - 1;
      if (left > 0) this.perUser.set(userId, left);
      else this.perUser.delete(userId);
      this.onActive(--this.running);
    }
  }
}
