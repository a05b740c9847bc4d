import { NOW, given, recorded, runStarted } from '../test/decider-specification';
import type { NewEvent } from './run.decide';

const RUN = '22222222-2222-4222-8222-222222222222';
const OTHER_USER = '44444444-4444-4444-8444-444444444444';
const BEFORE = '2026-11-20T00:00:00.000Z';
const AFTER = '2026-11-25T00:00:00.000Z';
const started = recorded(runStarted(RUN), { recordedAt: BEFORE });
const archived: NewEvent = { type: 'RunArchived', data: { runId: RUN } };
const tombstone: NewEvent = { type: 'RunDeleted', data: { runId: RUN } };
/** The plan's bound: nothing may have happened in the run after NOW. */
const archive = { type: 'retention.archive', data: { runId: RUN, idleSince: NOW } } as const;
const erase = { type: 'retention.erase', data: { runId: RUN, idleSince: NOW } } as const;
const chunk = (recordedAt: string) =>
  recorded(
    {
      type: 'ChunkReceived',
      data: { runId: RUN, taskId: 'task-1', seq: 0, kind: 'text', text: 'x', offsetMs: 0 },
    },
    { recordedAt },
  );

describe('retention.archive / retention.erase (given events, when the pass acts, then events)', () => {
  it('archives an idle run, and erases one with its tombstone alone', () => {
    const a = given(started).when(archive);
    a.then([archived]);
    a.thenAck({ acted: true });
    given(started).when(erase).then([tombstone]);
  });

  it('leaves alone a run with activity after the plan (the read model lagged)', () => {
    const a = given(started, chunk(AFTER)).when(archive);
    a.then([]);
    a.thenAck({ acted: false });
    given(started, chunk(AFTER)).when(erase).then([]);
  });

  it('does not count managing a run (star, rename, archive, reprice) as activity', () => {
    const starredLater = recorded({ type: 'RunStarred', data: { runId: RUN } }, { recordedAt: AFTER });
    const renamedLater = recorded(
      { type: 'RunRenamed', data: { runId: RUN, name: 'n' } },
      { recordedAt: AFTER },
    );
    given(started, chunk(BEFORE), starredLater, renamedLater).when(archive).then([archived]);
    given(started, recorded(archived, { recordedAt: AFTER }))
      .when(erase)
      .then([tombstone]);
  });

  it('does not archive twice, and does nothing to a run erased or never started', () => {
    given(started, archived).when(archive).then([]);
    given(tombstone).when(erase).then([]);
    given(tombstone).when(archive).then([]);
    given().when(archive).then([]);
  });

  it("is NOT_FOUND in another user's name", () =>
    given(started).when(archive, { userId: OTHER_USER }).thenFails('NOT_FOUND'));
});
