import { context, NOW, USER } from '../test/decider-specification';
import { eventIdFor } from './ids';
import { handle, isErasure, type RunRequest } from './run.decide.handle';
import { SCHEMA_VERSION } from './events';
import { evolve, initialRunState } from './run.state';

const RUN = '22222222-2222-4222-8222-222222222222';
const request = (over: Partial<RunRequest> = {}): RunRequest => ({
  name: 'run.start',
  runId: RUN,
  payload: { runId: RUN, sourceType: 'chat', settings: {} },
  userId: USER,
  commandId: 'c1',
  payloadHash: 'h1',
  now: NOW,
  ...over,
});

describe('handle (the decider applied to a request)', () => {
  it('wraps the decided events in their envelope: ids from (user, commandId, index), the command in the metadata', () => {
    const { events, ack } = handle(initialRunState(), request(), context());
    expect(ack).toEqual({ runId: RUN });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      id: eventIdFor(USER, 'c1', 0),
      type: 'RunStarted',
      metadata: {
        userId: USER,
        commandId: 'c1',
        recordedAt: NOW,
        schemaVersion: SCHEMA_VERSION,
        command: 'run.start',
        payloadHash: 'h1',
      },
    });
  });

  it('answers a retry from the events it folded: same ack, no events', () => {
    const state = initialRunState();
    for (const e of handle(state, request(), context()).events) evolve(state, e);
    expect(handle(state, request(), context())).toEqual({ events: [], ack: { runId: RUN } });
  });

  it('tells an erasure (a tombstone alone) from an append', () => {
    const state = initialRunState();
    for (const e of handle(state, request(), context()).events) evolve(state, e);
    const erased = handle(
      state,
      request({ name: 'runs.erase', payload: { runId: RUN }, commandId: 'c2' }),
      context(),
    );
    expect(isErasure(erased.events)).toBe(true);
    const renamed = handle(
      state,
      request({ name: 'run.rename', payload: { runId: RUN, name: 'x' }, commandId: 'c3' }),
      context(),
    );
    expect(isErasure(renamed.events)).toBe(false);
  });
});
