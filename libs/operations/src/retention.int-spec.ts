import { randomUUID } from 'node:crypto';
import { NO_PRICING, toRunStreamId } from '@ledger/domain';
import { PostgresEventStore } from '@ledger/event-store';
import { useStoreDatabase } from '../../../test/support/store-database';
import { applyRetention, type PlannedRun } from './retention';
import { handleRunCommand, operatorRequest } from './run-command';

/**
 * A retention pass acts through the run decider on the stream as it is, not as the (possibly lagging) plan saw
 * it: a run started after the plan's bound is skipped, an idle one is archived or erased, one that does not exist
 * is skipped, and running the pass again changes nothing.
 */
describe('applyRetention (PostgreSQL event store)', () => {
  let store: PostgresEventStore;
  useStoreDatabase((_db, s) => (store = s), { each: true });

  const userId = randomUUID();
  const IDLE_SINCE = '2026-06-01T00:00:00.000Z';
  async function startRun(at: string): Promise<string> {
    const runId = randomUUID();
    await handleRunCommand(store, runId, NO_PRICING, () => ({
      ...operatorRequest('runs.erase', { runId }, userId, at),
      name: 'run.start',
      payload: { runId, sourceType: 'chat', settings: {} },
    }));
    return runId;
  }
  const planned = (runId: string, action: PlannedRun['action']): PlannedRun => ({
    runId,
    userId,
    sourceType: 'chat',
    starred: false,
    archived: false,
    lastActivityAt: '2026-01-01T00:00:00.000Z',
    action,
    idleSince: IDLE_SINCE,
  });
  const typesOf = async (runId: string) => (await store.readStream(toRunStreamId(runId))).map((e) => e.type);

  it('archives and erases idle runs, and skips one with activity after the plan and one that does not exist', async () => {
    const [idle, doomed, busy] = [
      await startRun('2026-01-01T00:00:00.000Z'),
      await startRun('2026-01-01T00:00:00.000Z'),
      await startRun('2026-07-01T00:00:00.000Z'),
    ];
    const plan = [
      planned(idle, 'archive'),
      planned(doomed, 'erase'),
      planned(busy, 'archive'),
      planned(randomUUID(), 'erase'),
    ];
    const progress: number[] = [];
    const now = new Date('2026-11-30T00:00:00.000Z');
    expect(await applyRetention(plan, { store, now, onProgress: (done) => progress.push(done) })).toEqual({
      archived: 1,
      erased: 1,
      skipped: 2,
    });
    expect(progress).toEqual([1, 2, 3, 4]);
    expect(await typesOf(idle)).toEqual(['RunStarted', 'RunArchived']);
    expect(await typesOf(doomed)).toEqual(['RunDeleted']);
    expect(await typesOf(busy)).toEqual(['RunStarted']);
    const [archivedEvent] = (await store.readStream(toRunStreamId(idle))).slice(1);
    expect(archivedEvent.metadata).toMatchObject({ userId, command: 'retention.archive' });

    expect(await applyRetention(plan, { store, now })).toEqual({ archived: 0, erased: 0, skipped: 4 });
    expect(await typesOf(idle)).toEqual(['RunStarted', 'RunArchived']);
  });
});
