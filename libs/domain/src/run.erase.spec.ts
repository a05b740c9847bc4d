import { given, recorded, runStarted } from '../test/decider-specification';
import type { NewEvent } from './run.decide';

const RUN = '22222222-2222-4222-8222-222222222222';
const OTHER_USER = '44444444-4444-4444-8444-444444444444';
const started = runStarted(RUN);
const erase = { type: 'runs.erase', data: { runId: RUN } } as const;
const tombstone: NewEvent = { type: 'RunDeleted', data: { runId: RUN } };

describe('runs.erase (given events, when erase, then events)', () => {
  it('erases a run of the user: its tombstone alone', () => {
    const spec = given(started, { type: 'RunStarred', data: { runId: RUN } }).when(erase);
    spec.then([tombstone]);
    spec.thenAck({ erased: true });
  });

  it('erases an archived run too (run.delete would as well)', () =>
    given(started, { type: 'RunArchived', data: { runId: RUN } })
      .when(erase)
      .then([tombstone]));

  it('writes nothing for a run already erased or never started, so erasing again changes nothing', () => {
    const again = given(tombstone).when(erase);
    again.then([]);
    again.thenAck({ erased: false });
    given().when(erase).then([]);
  });

  it("is NOT_FOUND in another user's name, before anything is looked at", () => {
    given(started).when(erase, { userId: OTHER_USER }).thenFails('NOT_FOUND');
    given(recorded(tombstone, { userId: OTHER_USER }))
      .when(erase)
      .thenFails('NOT_FOUND');
  });
});
