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

  it('answers a retried task.chunks with its first ack when the batch repeats a stored chunk after its new ones', () => {
    const TASK = '33333333-3333-4333-8333-333333333333';
    const state = initialRunState();
    const apply = (over: Partial<RunRequest>) => {
      const handled = handle(state, request(over), context());
      for (const e of handled.events) evolve(state, e);
      return handled.ack;
    };
    apply({});
    const task = { runId: RUN, taskId: TASK, service: 'chat', taskName: 'answer', provider: 'openai' };
    apply({
      name: 'task.create',
      payload: { ...task, endpoint: '/v1/chat/completions', model: 'gpt-4o', requestData: {} },
      commandId: 'c2',
    });
    const chunk = (seq: number) => ({ seq, text: `t${seq}`, offsetMs: seq });
    apply({ name: 'task.chunk', payload: { runId: RUN, taskId: TASK, ...chunk(0) }, commandId: 'c3' });
    // Chunk 1 is new, chunk 0 a repeat of the stored one: the event holds chunk 1 alone.
    const batch = request({
      name: 'task.chunks',
      payload: { runId: RUN, taskId: TASK, chunks: [chunk(1), chunk(0)] },
      commandId: 'c4',
      payloadHash: 'h4',
    });
    const first = handle(state, batch, context());
    for (const e of first.events) evolve(state, e);
    expect(first.ack).toEqual({ lastSeq: 1 });
    expect(handle(state, batch, context())).toEqual({ events: [], ack: first.ack });
    // A batch of repeats alone writes nothing and is answered the same whenever it is sent again.
    const repeats = {
      ...batch,
      payload: { ...batch.payload, chunks: [chunk(1), chunk(0)] },
      commandId: 'c5',
    };
    expect(handle(state, repeats, context())).toEqual({ events: [], ack: { lastSeq: 1 } });
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
