import { createHash, createHmac } from 'node:crypto';
import { ledgerUuid, type ShareSecret } from '@ledger/domain';

/**
 * A share link's token, made at the edge and never stored: 256 bits of HMAC-SHA256 under a key derived from the
 * server's secret, over the sharer, the run and the command id. A retried `run.share` (same commandId) so gets the
 * same link back in its ack, while the log only ever holds the token's SHA-256, and no one without the secret can
 * compute a token from what the log shows.
 */
export interface ShareToken extends ShareSecret {
  readonly token: string;
}

export function shareTokenFor(secret: string, userId: string, runId: string, commandId: string): ShareToken {
  const key = createHmac('sha256', secret).update('run-ledger share links v1').digest();
  const token = createHmac('sha256', key).update(`${userId}/${runId}/${commandId}`).digest('base64url');
  return {
    token,
    tokenHash: hashShareToken(token),
    shareId: ledgerUuid(`${userId}/${commandId}/share`),
  };
}

export function hashShareToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** A token as links carry it (43 base64url characters); anything else is not looked up at all. */
export const SHARE_TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export function shareUrl(origin: string, token: string): string {
  return `${origin}/share/${token}`;
}
