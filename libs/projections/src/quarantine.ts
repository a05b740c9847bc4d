import type { Pool } from 'pg';
import { withTransaction } from '@ledger/database';
import type { QuarantineActionAck } from '@ledger/contract';
import { toRunStreamId } from '@ledger/domain';
import { comparePositions, type EventStore } from '@ledger/event-store';
import { writeFolded } from './batch-writer';
import { foldBatch, UsageAccumulator } from './run-view.batch';
import {
  ensureCheckpoint,
  LIVE_TABLES,
  loadViews,
  readCheckpoint,
  writeChanges,
  type Queryable,
} from './projector.sql';
import {
  addSkipped,
  bumpEpoch,
  describeQuarantined,
  quarantineRuns,
  readQuarantine,
  readSkipped,
  releaseRuns,
  toQuarantined,
} from './quarantine.sql';

export interface QuarantineActionOptions {
  readonly store: EventStore;
  readonly pool: Pool;
  readonly runId: string;
  readonly name?: string;
}

/** The run is not quarantined: nothing to retry or skip. */
export class NotQuarantined extends Error {
  readonly code = 'NOT_FOUND';
  constructor(runId: string) {
    super(`run ${runId} is not quarantined`);
    this.name = 'NotQuarantined';
  }
}

/** Folds a quarantined run again from its stream (after a fix): it projects again, or is quarantined again. */
export function retryQuarantined(options: QuarantineActionOptions): Promise<QuarantineActionAck> {
  return refold(options, false);
}

/** Leaves the event a run is quarantined at out of every fold of the projection, then retries the run. */
export function skipQuarantined(options: QuarantineActionOptions): Promise<QuarantineActionAck> {
  return refold(options, true);
}

/**
 * In one transaction holding the checkpoint row (so the live projector, in any process, waits and then reads
 * the quarantine again): the run's rows are replaced by the fold of its stream up to the checkpoint; the events
 * after it are the live projector's, as for any run.
 */
async function refold(options: QuarantineActionOptions, skip: boolean): Promise<QuarantineActionAck> {
  const { store, pool, runId } = options;
  const name = options.name ?? 'runs';
  return withTransaction(pool, async (client) => {
    const q = client as Queryable;
    await ensureCheckpoint(q, name);
    const checkpoint = await readCheckpoint(q, name, true);
    const entry = (await readQuarantine(q, name)).find((r) => r.runId === runId);
    if (!entry) throw new NotQuarantined(runId);
    if (skip) await addSkipped(q, name, entry);
    const skipped = await readSkipped(q, name);
    const limit = checkpoint?.position ?? null;
    const events = limit
      ? (await store.readStream(toRunStreamId(runId))).filter((e) => comparePositions(e.position, limit) <= 0)
      : [];

    // Out with the rows (and usage) of the run as it was set aside, in with the fold of its whole stream.
    const before = (await loadViews(q, LIVE_TABLES, [runId])).get(runId) ?? null;
    const usage = new UsageAccumulator();
    for (const task of before?.tasks.values() ?? []) usage.add(task, -1);
    await writeChanges(q, LIVE_TABLES, {
      runs: [],
      messagesUnchanged: new Set(),
      touchedOnly: new Set(),
      tasks: [],
      textAppends: new Map(),
      deletedRunIds: [runId],
      usage: usage.deltas(),
    });
    const base = new Map([[runId, null]]);
    const written = await writeFolded(q, LIVE_TABLES, base, foldBatch(base, events, { skipped }));
    const failure = written.folded.failures.get(runId);
    const again = failure ? toQuarantined(runId, failure) : null;
    if (again) await quarantineRuns(q, name, LIVE_TABLES, [again]);
    else await releaseRuns(q, name, [runId]);
    await bumpEpoch(q, name);
    return {
      runId,
      state: again ? 'quarantined' : 'running',
      ...(again && { quarantined: describeQuarantined(again) }),
      ...(skip && { skippedEventId: entry.eventId }),
    };
  });
}
