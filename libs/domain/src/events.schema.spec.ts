import { given } from '../test/decider-specification';
import { eventDataSchemas, parseEventData } from './events.schema';
import { RUN_EVENT_TYPES } from './events';
import type { NewEvent } from './run.decide';

const RUN = '22222222-2222-4222-8222-222222222222';
const TASK = '33333333-3333-4333-8333-333333333333';

describe('event schemas', () => {
  it('has a schema for every event type', () => {
    expect(Object.keys(eventDataSchemas).sort()).toEqual([...RUN_EVENT_TYPES].sort());
  });

  it('accepts every event the decider writes in a whole conversation', () => {
    const written: NewEvent[] = [];
    const step = (command: Parameters<ReturnType<typeof given>['when']>[0]) => {
      const events = given(...written)
        .when(command)
        .decision().events;
      written.push(...events);
    };
    step({ type: 'run.start', data: { runId: RUN, sourceType: 'chat', settings: {} } });
    step({
      type: 'task.create',
      data: {
        runId: RUN,
        taskId: TASK,
        service: 's',
        taskName: 't',
        provider: 'openai',
        endpoint: '/e',
        model: 'gpt-4o',
        requestData: {},
        userMessage: { content: 'hi' },
      },
    });
    step({
      type: 'task.chunks',
      data: {
        runId: RUN,
        taskId: TASK,
        chunks: [
          { seq: 0, text: 'a', offsetMs: 1 },
          { seq: 1, kind: 'tool', payload: { x: 1 }, offsetMs: 2 },
        ],
      },
    });
    step({
      type: 'task.complete',
      data: { runId: RUN, taskId: TASK, usage: { inputTokens: 3, outputTokens: 1 } },
    });
    step({ type: 'run.star', data: { runId: RUN, starred: true } });
    step({ type: 'run.archive', data: { runId: RUN } });
    expect(written.map((e) => e.type)).toEqual([
      'RunStarted',
      'TaskCreated',
      'RunRenamed',
      'ChunksReceived',
      'TaskCompleted',
      'RunStarred',
      'RunArchived',
    ]);
    for (const e of written) expect(() => parseEventData(e.type, e.data)).not.toThrow();
  });

  it('refuses a malformed event, naming the field', () => {
    expect(() =>
      parseEventData('ChunkReceived', { runId: RUN, taskId: TASK, seq: -1, kind: 'text', offsetMs: 0 }),
    ).toThrow(/seq/);
    expect(() => parseEventData('TaskCompleted', { runId: RUN })).toThrow(/usage/);
  });
});
