import type { Pool } from 'pg';
import type { ProjectionStatus } from '@ledger/contract';
import { positionToString, type EventStore } from '@ledger/event-store';
import { readCheckpoint, type Queryable } from './projector.sql';
import { describeQuarantined, readQuarantine } from './quarantine.sql';

/** What the process asking knows of a live projector (none: another process, the CLI). */
export interface LiveProjection {
  readonly subscribed: boolean;
  /** The error of a batch that keeps failing, or null. */
  readonly stall: string | null;
  readonly batchSize: number;
}

/**
 * A projection's state. `running` only when nothing is wrong: `stalled` while a batch keeps failing (it is retried),
 * `degraded` while some runs are quarantined (the others project), `catching-up` while the lag exceeds a batch.
 */
export async function projectionStatus(
  store: EventStore,
  pool: Pool,
  name: string,
  live?: LiveProjection,
): Promise<ProjectionStatus> {
  const checkpoint = await readCheckpoint(pool as Queryable, name);
  const quarantined = await readQuarantine(pool as Queryable, name);
  const position = checkpoint?.position ?? null;
  const lag = await store.countAfter(position, 1_000_000);
  let lagMs = 0;
  if (lag > 0) {
    const [next] = await store.readAll(position, 1);
    if (next) lagMs = Math.max(0, Date.now() - new Date(next.metadata.recordedAt).getTime());
  }
  // A failure at the head of the log (nothing left to apply: the database was away while idle) is no stall.
  const failing = live ? live.stall : checkpoint?.state === 'stalled' ? checkpoint.error : null;
  const stall = lag > 0 ? failing : null;
  const state: ProjectionStatus['state'] =
    checkpoint?.state === 'failed'
      ? 'failed'
      : checkpoint?.state === 'rebuilding'
        ? 'rebuilding'
        : live && !live.subscribed
          ? 'stopped'
          : stall !== null
            ? 'stalled'
            : quarantined.length > 0
              ? 'degraded'
              : lag > (live?.batchSize ?? 1000)
                ? 'catching-up'
                : 'running';
  const error = stall ?? (checkpoint?.state === 'failed' ? checkpoint.error : null);
  return {
    name,
    position: positionToString(position),
    lag,
    lagMs,
    state,
    quarantined: quarantined.map(describeQuarantined),
    ...(error ? { error } : {}),
  };
}
