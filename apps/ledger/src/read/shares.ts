import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import {
  LedgerError,
  type AckData,
  type CommandPayload,
  type ReplayFrame,
  type RunView,
  type TaskView,
} from '@ledger/contract';
import type { LedgerConfig } from '@ledger/config';
import { toRunStreamId } from '@ledger/domain';
import type { EventStore } from '@ledger/event-store';
import { findOpenShare, getRun, listShares } from '@ledger/projections';
import { CONFIG, EVENT_STORE, PG_POOL } from '../infra/tokens';
import { ReadService } from './read.service';
import { hashShareToken, SHARE_TOKEN_PATTERN, shareTokenFor, shareUrl } from './share-token';

/** What a share link shows: the run, its tasks and its events for the replay, with no user id anywhere. */
export interface SharedRun {
  run: Omit<RunView, 'userId'>;
  tasks: Array<Omit<TaskView, 'userId' | 'requestData'> & { requestData?: Record<string, unknown> }>;
  events: ReplayFrame[];
}

/** Event types a shared replay leaves out: the links themselves are the owner's business. */
const PRIVATE_EVENTS: ReadonlySet<string> = new Set(['ShareCreated', 'ShareRevoked']);

/** The edge of share links: making a link's token for `run.share`, listing links, and opening one by its token. */
@Injectable()
export class ShareService {
  /** The clock a link's expiry is compared with; a test replaces it (nothing outside this process can). */
  now: () => Date = () => new Date();

  constructor(
    @Inject(CONFIG) private readonly config: LedgerConfig,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly reads: ReadService,
  ) {}

  /** The token, its hash and the link's id for a `run.share` command (the same again for a retry). */
  tokenFor(userId: string, runId: string, commandId: string) {
    return shareTokenFor(this.config.jwtSecret, userId, runId, commandId);
  }

  /** The ack of `run.share`: the link's absolute URL, from LEDGER_PUBLIC_URL, else the address the sharer used. */
  ack(shareId: string, token: string, origin: string | undefined): AckData['run.share'] {
    const base = this.config.LEDGER_PUBLIC_URL ?? origin;
    if (!base) throw new LedgerError('UNAVAILABLE', 'no origin for share links: set LEDGER_PUBLIC_URL');
    return { shareId, url: shareUrl(base, token) };
  }

  async list(userId: string, p: CommandPayload<'run.shares'>): Promise<AckData['run.shares']> {
    await this.reads.ownership.assertOwner(userId, p.runId);
    return { shares: await listShares(this.pool, userId, p.runId) };
  }

  /** The shared run, or null for a token that is malformed, unknown, revoked or expired (all look the same). */
  async open(token: string): Promise<SharedRun | null> {
    if (!SHARE_TOKEN_PATTERN.test(token)) return null;
    const share = await findOpenShare(this.pool, hashShareToken(token), this.now());
    if (!share) return null;
    const found = await getRun(this.pool, share.userId, share.runId);
    if (!found) return null;
    const withRequests = share.include.includes('requestData');
    const { userId: _u, ...run } = found.run;
    const tasks = found.tasks.map(({ userId: _t, requestData, ...task }) =>
      withRequests ? { ...task, requestData } : task,
    );
    const events: ReplayFrame[] = [];
    for (const e of await this.store.readStream(toRunStreamId(share.runId))) {
      if (PRIVATE_EVENTS.has(e.type)) continue;
      events.push({
        runId: share.runId,
        version: e.revision,
        type: e.type,
        data: publicData(e.type, e.data as unknown as Record<string, unknown>, withRequests),
        metadata: { recordedAt: e.metadata.recordedAt, schemaVersion: e.metadata.schemaVersion },
      });
    }
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
