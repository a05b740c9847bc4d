import type { Pool } from 'pg';
import { z } from 'zod';
import { SHARE_INCLUDES, type ShareInclude, type ShareView } from '@ledger/contract';
import type { RecordedEvent } from '@ledger/event-store';
import type { Queryable } from './projector.sql';
import { asUser } from './user-scope';

/**
 * The `run_shares` read model (migrations/1700000000009_run-shares.sql): one row per link, from `ShareCreated`,
 * stamped by `ShareRevoked`, deleted with its run by `RunDeleted`. The live projector applies a batch's events in
 * its transaction; a rebuild applies the whole log's in its swap transaction: one writer for both.
 */

const SHARE_EVENTS: ReadonlySet<string> = new Set(['ShareCreated', 'ShareRevoked', 'RunDeleted']);

/** The events of a page that change `run_shares` (few: a rebuild keeps only these). */
export function shareEvents(
  events: readonly RecordedEvent[],
  skipped?: ReadonlySet<string>,
): RecordedEvent[] {
  return events.filter((e) => SHARE_EVENTS.has(e.type) && !skipped?.has(e.id));
}

/**
 * A rebuild's share events over the whole log: link events, and erasures of runs that had links (an erased run's
 * stream keeps only its tombstone, so most erasures concern no link and are not held).
 */
export class ShareLog {
  readonly events: RecordedEvent[] = [];
  private readonly shared = new Set<string>();

  add(page: readonly RecordedEvent[], skipped?: ReadonlySet<string>): void {
    for (const e of shareEvents(page, skipped)) {
      const runId = e.data.runId;
      if (e.type === 'ShareCreated') this.shared.add(runId);
      else if (e.type === 'RunDeleted' && !this.shared.delete(runId)) continue;
      this.events.push(e);
    }
  }
}

export async function projectShares(q: Queryable, events: readonly RecordedEvent[]): Promise<void> {
  for (const e of events) {
    if (e.type === 'ShareCreated') {
      const d = e.data;
      await q.query(
        `INSERT INTO run_shares (id, run_id, user_id, token_hash, include, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING`,
        [d.shareId, d.runId, e.metadata.userId, d.tokenHash, d.include, e.metadata.recordedAt, d.expiresAt],
      );
    } else if (e.type === 'ShareRevoked') {
      const d = e.data;
      await q.query('UPDATE run_shares SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL', [
        d.shareId,
        e.metadata.recordedAt,
      ]);
    } else if (e.type === 'RunDeleted') {
      await q.query('DELETE FROM run_shares WHERE run_id = $1', [e.data.runId]);
    }
  }
}

/** A rebuild's last step: the table as the whole log says it is. */
export async function replaceShares(q: Queryable, events: readonly RecordedEvent[]): Promise<void> {
  await q.query('DELETE FROM run_shares');
  await projectShares(q, events);
}

const shareRow = z.object({
  id: z.string(),
  run_id: z.string(),
  user_id: z.string(),
  include: z.array(z.enum(SHARE_INCLUDES)),
  created_at: z.date(),
  expires_at: z.date(),
  revoked_at: z.date().nullable(),
});

function toView(row: z.infer<typeof shareRow>): ShareView {
  return {
    shareId: row.id,
    createdAt: row.created_at.toISOString(),
    expiresAt: row.expires_at.toISOString(),
    revokedAt: row.revoked_at?.toISOString() ?? null,
    include: row.include,
  };
}

/** A run's links, oldest first, as its owner (row-level security: only the caller's rows). */
export function listShares(pool: Pool, userId: string, runId: string): Promise<ShareView[]> {
  return asUser(pool, userId, async (db) => {
    const { rows } = await db.query(
      'SELECT * FROM run_shares WHERE run_id = $1 AND user_id = $2 ORDER BY created_at, id',
      [runId, userId],
    );
    return rows.map((r) => toView(shareRow.parse(r)));
  });
}

export interface OpenShare {
  readonly shareId: string;
  readonly runId: string;
  readonly userId: string;
  readonly include: readonly ShareInclude[];
}

/** The link with this token hash if it is open at `now` (not revoked, not expired); else null, whatever the reason. */
export async function findOpenShare(pool: Pool, tokenHash: string, now: Date): Promise<OpenShare | null> {
  const { rows } = await pool.query(
    'SELECT * FROM run_shares WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > $2',
    [tokenHash, now],
  );
  if (rows.length === 0) return null;
  const row = shareRow.parse(rows[0]);
  return { shareId: row.id, runId: row.run_id, userId: row.user_id, include: row.include };
}
