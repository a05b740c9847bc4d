import { LedgerError, SHARE_DEFAULT_DAYS, type CommandPayload } from '@ledger/contract';
import type { RunState } from './run.state';

/**
 * Share links, decided like every other write: `run.share` records a `ShareCreated` holding the SHA-256 of a
 * token made at the edge (the token itself never reaches the domain nor the log), `run.unshare` a `ShareRevoked`.
 * The expiry is the command's time plus `expiresInDays`: the clock comes in on the command.
 */

/** What the edge adds to `run.share`: the new link's id and its token's hash (derived there from the command). */
export interface ShareSecret {
  readonly shareId: string;
  readonly tokenHash: string;
}

export type ShareCommandData = CommandPayload<'run.share'> & { runId: string } & ShareSecret;

const DAY_MS = 86_400_000;

/** The one place the body of a share's events is made (NewEvent is declared by run.decide, which imports this). */
export function shareRun(data: ShareCommandData, state: RunState, now: string) {
  if (state.shares.has(data.shareId))
    throw new LedgerError('CONFLICT', 'shareId is already used', { shareId: data.shareId });
  const days = data.expiresInDays ?? SHARE_DEFAULT_DAYS;
  const include = [...new Set(data.include ?? [])].sort();
  return {
    events: [
      {
        type: 'ShareCreated' as const,
        data: {
          runId: data.runId,
          shareId: data.shareId,
          tokenHash: data.tokenHash,
          expiresAt: new Date(Date.parse(now) + days * DAY_MS).toISOString(),
          include,
        },
      },
    ],
    ack: { shareId: data.shareId },
  };
}

export function unshareRun(data: CommandPayload<'run.unshare'> & { runId: string }, state: RunState) {
  const share = state.shares.get(data.shareId);
  if (!share) throw new LedgerError('NOT_FOUND', 'share link not found', { shareId: data.shareId });
  // Revoking twice is not an error: the link is gone either way.
  if (share.revoked) return { events: [], ack: {} };
  return {
    events: [{ type: 'ShareRevoked' as const, data: { runId: data.runId, shareId: data.shareId } }],
    ack: {},
  };
}
