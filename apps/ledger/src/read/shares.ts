import { Inject, Injectable } from '@nestjs/common';
import {
  LedgerError,
  type AckData,
  type CommandPayload,
  type ReplayFrame,
  type RunView,
  type TaskView,
} from '@ledger/contract';
import { toRunStreamId } from '@ledger/domain';
import type { RecordedEvent } from '@ledger/event-store';
import { findOpenShare, getRun, listShares, type OpenShare } from '@ledger/projections';
import { replayEvents } from '@ledger/replay';
import { INFRA, type LedgerInfra } from '../infra/tokens';
import { ProjectionHost } from './projection-host';
import { ReadService } from './read.service';
import { hashShareToken, SHARE_TOKEN_PATTERN, shareTokenFor } from './share-token';

/** What a share link shows: the run, its tasks and its events for the replay, with no user id anywhere. */
export interface SharedRun {
  run: Omit<RunView, 'userId'>;
  tasks: Array<Omit<TaskView, 'userId' | 'requestData'> & { requestData?: Record<string, unknown> }>;
  events: ReplayFrame[];
}

/** How long `run.shares` waits for the projection to show this server's last writes (as `run.get` does). */
const READ_YOUR_WRITES_MS = 3000;

/** Event types a shared replay leaves out: the links themselves are the owner's business. */
const PRIVATE_EVENTS: ReadonlySet<string> = new Set(['ShareCreated', 'ShareRevoked']);

/** The edge of share links: making a link's token for `run.share`, listing links, and opening one by its token. */
@Injectable()
export class ShareService {
  /** The clock a link's expiry is compared with; a test replaces it (nothing outside this process can). */
  now: () => Date = () => new Date();

  constructor(
    @Inject(INFRA) private readonly infra: LedgerInfra,
    private readonly reads: ReadService,
    private readonly projection: ProjectionHost,
  ) {}

  /** The token, its hash and the link's id for a `run.share` command (the same again for a retry). */
  tokenFor(userId: string, runId: string, commandId: string) {
    return shareTokenFor(this.infra.config.jwtSecret, userId, runId, commandId);
  }

  /**
   * The origin of new links: LEDGER_PUBLIC_URL, else the address the sharer used. Asked before the link is
   * written, so a command that could not be answered with a URL writes nothing.
   */
  originFor(socketOrigin: string | undefined): string {
    const origin = this.infra.config.LEDGER_PUBLIC_URL ?? socketOrigin;
    if (!origin) throw new LedgerError('UNAVAILABLE', 'no origin for share links: set LEDGER_PUBLIC_URL');
    return origin;
  }

  async list(userId: string, p: CommandPayload<'run.shares'>): Promise<AckData['run.shares']> {
    await this.reads.ownership.assertOwner(userId, p.runId);
    await this.caughtUp();
    return { shares: await listShares(this.infra.pool, userId, p.runId) };
  }

  /**
   * Read-your-writes for the listing: waits (at most READ_YOUR_WRITES_MS) for the projection to reach the log's
   * head, so a link made or revoked just before is listed as such.
   */
  private async caughtUp(): Promise<void> {
    const head = await this.infra.store.headPosition();
    if (head) await this.projection.caughtUp(head, READ_YOUR_WRITES_MS);
  }

  /** Whether the token opens a run now (the page's status), without reading the run's rows. */
  async isOpen(token: string): Promise<boolean> {
    return (await this.resolve(token)) !== null;
  }

  /** The open link of this token and its run's events, or null (malformed, unknown, revoked, expired, erased). */
  private async resolve(token: string): Promise<{ share: OpenShare; log: RecordedEvent[] } | null> {
    if (!SHARE_TOKEN_PATTERN.test(token)) return null;
    const share = await findOpenShare(this.infra.pool, hashShareToken(token), this.now());
    if (!share) return null;
    // The log, not the projection, has the last word: a link revoked (or a run erased) a moment ago is dead as
    // soon as its command was acknowledged, even while the projection has not caught up yet.
    const log = await this.infra.store.readStream(toRunStreamId(share.runId));
    if (log[0]?.type !== 'RunStarted') return null;
    const revoked = log.some((e) => e.type === 'ShareRevoked' && e.data.shareId === share.shareId);
    return revoked ? null : { share, log };
  }

  /** The shared run, or null for a token that is malformed, unknown, revoked or expired (all look the same). */
  async open(token: string): Promise<SharedRun | null> {
    const opened = await this.resolve(token);
    if (!opened) return null;
    const { share, log } = opened;
    const found = await getRun(this.infra.pool, share.userId, share.runId);
    if (!found) return null;
    const withRequests = share.include.includes('requestData');
    const { userId: _u, ...run } = found.run;
    const tasks = found.tasks.map(({ userId: _t, requestData, ...task }) =>
      withRequests ? { ...task, requestData } : task,
    );
    const events: ReplayFrame[] = replayEvents(log)
      .filter((e) => !PRIVATE_EVENTS.has(e.type))
      .map((e) => ({
        runId: share.runId,
        version: e.revision,
        type: e.type,
        data: publicData(e.type, { ...e.data }, withRequests),
        metadata: { recordedAt: e.metadata.recordedAt, schemaVersion: e.metadata.schemaVersion },
      }));
    return { run, tasks, events };
  }
}

/** An event's data as a link shows it: no user id, and no request payload unless the sharer included it. */
function publicData(
  type: string,
  data: Record<string, unknown>,
  withRequests: boolean,
): Record<string, unknown> {
  if (type === 'RunStarted') {
    const { userId: _u, ...rest } = data;
    return rest;
  }
  if (type === 'TaskCreated' && !withRequests) {
    const { requestData: _r, ...rest } = data;
    return rest;
  }
  return data;
}
