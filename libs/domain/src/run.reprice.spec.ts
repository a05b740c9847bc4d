import type { Cost, EventMetadata, RunEvent, Usage } from '@ledger/domain';
import { given } from '../test/decider-specification';
import type { DecideContext, RepriceCommandData, RunCommand } from './run.decide';
import { sameCost } from './run.reprice';

const runId = '11111111-1111-4111-8111-111111111111';
const userId = '22222222-2222-4222-8222-222222222222';
const t1 = '33333333-3333-4333-8333-333333333331';
const t2 = '33333333-3333-4333-8333-333333333332';
const t3 = '33333333-3333-4333-8333-333333333333';
const meta: EventMetadata = {
  userId,
  commandId: 'c',
  recordedAt: '2025-06-01T00:00:00.000Z',
  schemaVersion: 1,
};
const usage: Usage = {
  inputTokens: 1000,
  outputTokens: 500,
  cachedInputTokens: 0,
  cacheWriteTokens: 0,
  reasoningTokens: 0,
  totalTokens: 1500,
};
const cost = (amount: string | null, priceId: string | null = amount === null ? null : 'old'): Cost => ({
  amount,
  priceId,
  prices: null,
});

const started: RunEvent = {
  type: 'RunStarted',
  data: {
    runId,
    userId,
    sourceType: 'chat',
    name: 'r',
    settings: {},
    variableValues: {},
    brokerValues: {},
    startedAt: '2025-06-01T00:00:00.000Z',
  },
  metadata: meta,
};
const created = (taskId: string, model: string): RunEvent => ({
  type: 'TaskCreated',
  data: {
    runId,
    taskId,
    service: 's',
    taskName: 't',
    provider: 'openai',
    endpoint: '/v1/chat/completions',
    model,
    requestData: {},
    createdAt: '2025-06-01T00:00:00.000Z',
  },
  metadata: meta,
});
const completed = (taskId: string, c: Cost, at = '2025-06-02T00:00:00.000Z'): RunEvent => ({
  type: 'TaskCompleted',
  data: {
    runId,
    taskId,
    usage,
    usageSource: 'provider',
    cost: c,
    timeToFirstTokenMs: 10,
    totalTimeMs: 100,
    completedAt: at,
  },
  metadata: meta,
});
const failed = (taskId: string, c: Cost): RunEvent => ({
  type: 'TaskFailed',
  data: {
    runId,
    taskId,
    error: { code: 'X', message: 'boom' },
    usage,
    usageSource: 'estimated',
    cost: c,
    totalTimeMs: 50,
    failedAt: '2025-06-03T00:00:00.000Z',
  },
  metadata: meta,
});

/** `ledger prices reprice` on this run, in its owner's name, where gpt-4o now costs $0.01 per task of this usage. */
const reprice = (over: Partial<RepriceCommandData> = {}): RunCommand => ({
  type: 'prices.reprice',
  data: { runId, model: 'gpt-4o', since: '2025-06-01', reason: 'price fixed', ...over },
});
const catalog: Partial<DecideContext> = {
  userId,
  now: '2025-07-01T00:00:00.000Z',
  price: ({ model }) => (model === 'gpt-4o' ? cost('0.01', 'new') : cost(null)),
};
const repriced = (...events: RunEvent[]) => given(...events).when(reprice(), catalog);

describe('prices.reprice (given events, when reprice, then events)', () => {
  it('reprices the ended tasks of the model whose cost changes, keeping the previous cost', () => {
    const spec = given(
      started,
      created(t1, 'gpt-4o'),
      completed(t1, cost(null)),
      created(t2, 'gpt-4o'),
      failed(t2, cost('0.02')),
      created(t3, 'other'),
      completed(t3, cost(null)),
    );
    spec.when(reprice(), catalog).then([
      {
        type: 'TaskRepriced',
        data: {
          runId,
          taskId: t1,
          cost: cost('0.01', 'new'),
          previousCost: cost(null),
          reason: 'price fixed',
        },
      },
      {
        type: 'TaskRepriced',
        data: {
          runId,
          taskId: t2,
          cost: cost('0.01', 'new'),
          previousCost: cost('0.02'),
          reason: 'price fixed',
        },
      },
    ]);
    spec.when(reprice(), catalog).thenAck({ repriced: 2 });
    expect(spec.state.version).toBe(6);
    expect(spec.state.userId).toBe(userId);
  });

  it('names the catalog version in each event when given one', () => {
    const [event] = given(started, created(t1, 'gpt-4o'), completed(t1, cost(null)))
      .when(reprice({ catalogVersion: 'genai-prices@1+own.abc' }), catalog)
      .decision().events;
    expect(event).toMatchObject({ type: 'TaskRepriced', data: { catalogVersion: 'genai-prices@1+own.abc' } });
  });

  it('compares with the cost after earlier TaskRepriced events: a second reprice writes nothing', () => {
    const events: RunEvent[] = [started, created(t1, 'gpt-4o'), completed(t1, cost(null))];
    const first = repriced(...events).decision().events;
    expect(first).toHaveLength(1);
    const again: RunEvent = { ...first[0], metadata: meta } as RunEvent;
    repriced(...events, again).then([]);
  });

  it('leaves open tasks, tasks ended before `since`, other models and deleted runs alone', () => {
    repriced(started, created(t1, 'gpt-4o')).then([]);
    const old = [started, created(t1, 'gpt-4o'), completed(t1, cost(null), '2025-05-31T23:59:59.000Z')];
    repriced(...old).then([]);
    expect(
      given(...old)
        .when(reprice({ since: '2025-05-01' }), catalog)
        .decision().events,
    ).toHaveLength(1);
    const tombstone: RunEvent = { type: 'RunDeleted', data: { runId }, metadata: meta };
    repriced(tombstone).then([]);
    // Every model when none is named: the other model's task has no price in this catalog, so it is unchanged.
    given(started, created(t3, 'other'), completed(t3, cost('0.5')))
      .when(reprice({ model: undefined }), catalog)
      .then([
        {
          type: 'TaskRepriced',
          data: { runId, taskId: t3, cost: cost(null), previousCost: cost('0.5'), reason: 'price fixed' },
        },
      ]);
  });

  it("is NOT_FOUND in another user's name, like every command", () =>
    given(started, created(t1, 'gpt-4o'), completed(t1, cost(null)))
      .when(reprice(), { ...catalog, userId: '99999999-9999-4999-8999-999999999999' })
      .thenFails('NOT_FOUND'));

  it('an equal decimal amount from the same entry is no change', () => {
    expect(sameCost(cost('0.010', 'new'), cost('0.01', 'new'))).toBe(true);
    expect(sameCost(cost('0.01', 'a'), cost('0.01', 'b'))).toBe(false);
    expect(sameCost(cost(null), null)).toBe(true);
    expect(sameCost(cost(null), cost('0'))).toBe(false);
    repriced(started, created(t1, 'gpt-4o'), completed(t1, cost('0.0100', 'new'))).then([]);
  });
});
