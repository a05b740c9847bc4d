import { given } from '../test/decider-specification';
import { parseEventData } from './events.schema';

/** Usage dimensions and the reported cost (schemaVersion 2) reach TaskCompleted; version-1 events still parse. */
const RUN = '22222222-2222-4222-8222-222222222222';
const TASK = '33333333-3333-4333-8333-333333333333';
const started = { type: 'run.start' as const, data: { runId: RUN, sourceType: 'chat', settings: {} } };
const created = {
  type: 'task.create' as const,
  data: {
    runId: RUN,
    taskId: TASK,
    service: 's',
    taskName: 't',
    provider: 'anthropic',
    endpoint: '/v1/messages',
    model: 'claude-sonnet-4-6',
    requestData: {},
  },
};

function history() {
  const events = given().when(started).decision().events;
  return [
    ...events,
    ...given(...events)
      .when(created)
      .decision().events,
  ];
}

describe('usage dimensions and reportedCost in TaskCompleted', () => {
  it('keeps every given dimension and the reported cost, and prices with the usage as given', () => {
    const priced: unknown[] = [];
    const decision = given(...history())
      .when(
        {
          type: 'task.complete',
          data: {
            runId: RUN,
            taskId: TASK,
            usage: {
              inputTokens: 100,
              outputTokens: 10,
              cacheWriteTokens: 40,
              cacheWrite1hTokens: 30,
              webSearches: 2,
              serviceTier: 'batch',
              region: 'us',
            },
            reportedCost: { amount: '0.0999', currency: 'USD', source: 'openrouter' },
          },
        },
        {
          price: (request) => {
            priced.push(request.usage);
            return { amount: '0.1', priceId: 'p', prices: { input: '1', output: '1' } };
          },
        },
      )
      .decision();
    const event = decision.events[0];
    expect(event.type).toBe('TaskCompleted');
    const data = event.data as unknown as { usage: Record<string, unknown>; reportedCost: unknown };
    expect(data.usage).toEqual({
      inputTokens: 100,
      outputTokens: 10,
      cachedInputTokens: 0,
      cacheWriteTokens: 40,
      reasoningTokens: 0,
      totalTokens: 110,
      cacheWrite1hTokens: 30,
      webSearches: 2,
      serviceTier: 'batch',
      region: 'us',
    });
    expect(priced).toEqual([data.usage]);
    expect(data.reportedCost).toEqual({ amount: '0.0999', currency: 'USD', source: 'openrouter' });
    expect(() => parseEventData('TaskCompleted', event.data)).not.toThrow();
  });

  it('writes no new field when none is given (a version-1 shape), and that shape still parses', () => {
    const decision = given(...history())
      .when({
        type: 'task.complete',
        data: { runId: RUN, taskId: TASK, usage: { inputTokens: 3, outputTokens: 1 } },
      })
      .decision();
    const data = decision.events[0].data as Record<string, unknown>;
    expect(Object.keys(data.usage as object).sort()).toEqual(
      [
        'cacheWriteTokens',
        'cachedInputTokens',
        'inputTokens',
        'outputTokens',
        'reasoningTokens',
        'totalTokens',
      ].sort(),
    );
    expect(data).not.toHaveProperty('reportedCost');
    expect(() => parseEventData('TaskCompleted', data)).not.toThrow();
  });
});
