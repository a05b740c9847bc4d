import { z } from 'zod';
import { commandId, uuid } from './fields';

/** The share-link commands of docs/protocol.md §4 (Share links): strict objects, like every command payload. */

/** How long a link lives when `expiresInDays` is not given, and the longest it may live. */
export const SHARE_DEFAULT_DAYS = 7;
export const SHARE_MAX_DAYS = 365;
/** What a link may show besides the conversation: `requestData` adds each task's request payload. */
export const SHARE_INCLUDES = ['requestData'] as const;
export type ShareInclude = (typeof SHARE_INCLUDES)[number];

export const shareCommandSchemas = {
  'run.share': z.strictObject({
    commandId,
    runId: uuid,
    expiresInDays: z.number().int().min(1).max(SHARE_MAX_DAYS).optional(),
    include: z.array(z.enum(SHARE_INCLUDES)).max(SHARE_INCLUDES.length).optional(),
  }),
  'run.unshare': z.strictObject({ commandId, runId: uuid, shareId: uuid }),
  'run.shares': z.strictObject({ runId: uuid }),
} as const;

/** One link as `run.shares` lists it: never its token (only its hash is stored, and that is not shown either). */
export interface ShareView {
  shareId: string;
  createdAt: string;
  expiresAt: string;
  revokedAt: string | null;
  include: ShareInclude[];
}

/** The ack data of the share-link commands (part of `AckData`). */
export interface ShareAckData {
  /** `url` is absolute; it holds the token, which the ledger never shows again. */
  'run.share': { shareId: string; url: string };
  'run.unshare': Record<string, never>;
  'run.shares': { shares: ShareView[] };
}
