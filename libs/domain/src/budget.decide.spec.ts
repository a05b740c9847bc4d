import {
  budgetStatus,
  decideClearBudget,
  decideSetBudget,
  decideThresholds,
  evolveBudget,
  initialBudgetState,
  periodBounds,
  type BudgetDecision,
  type BudgetEvent,
  type BudgetState,
} from './index';

const userId = '7f1c6a52-4f5e-4b8e-9b7a-1c2d3e4f5a6b';
const meta = { userId, commandId: 'c', recordedAt: '2030-01-15T10:00:00Z', schemaVersion: 1 };
const apply = (state: BudgetState, decisions: BudgetDecision[]) => {
  for (const d of decisions) evolveBudget(state, { ...d, metadata: meta } as BudgetEvent);
  return state;
};

describe('budget decisions', () => {
  it('periods are UTC days and months, with the instant they reset', () => {
    const now = new Date('2030-12-31T23:59:59.999Z');
    expect(periodBounds('day', now)).toEqual({
      key: '2030-12-31',
      from: '2030-12-31',
      to: '2031-01-01',
      resetsAt: '2031-01-01T00:00:00.000Z',
    });
    expect(periodBounds('month', now)).toMatchObject({
      key: '2030-12',
      from: '2030-12-01',
      to: '2031-01-01',
    });
  });

  it('raises each threshold once per period, and again in the next period', () => {
    const state = apply(
      initialBudgetState(),
      decideSetBudget(initialBudgetState(), { userId, period: 'day', limit: '10.00' }, 'x'),
    );
    expect(state.budget).toMatchObject({ limit: '10', alertAt: [0.5, 0.8, 1], hard: true });
    const day1 = new Date('2030-01-15T10:00:00Z');
    const first = decideThresholds(state, userId, '8', day1);
    expect(first.map((d) => (d.data as { threshold: number }).threshold)).toEqual([0.5, 0.8]);
    apply(state, first);
    expect(decideThresholds(state, userId, '9.99', day1)).toEqual([]);
    expect(
      decideThresholds(state, userId, '10', day1).map((d) => (d.data as { threshold: number }).threshold),
    ).toEqual([1]);
    const day2 = decideThresholds(state, userId, '5', new Date('2030-01-16T00:00:00Z'));
    expect(day2).toHaveLength(1);
    expect((day2[0].data as { alertId: string }).alertId).not.toBe(
      (first[0].data as { alertId: string }).alertId,
    );
  });

  it('is exact: 0.1 + 0.2 of a 0.3 limit is spent', () => {
    const state = apply(
      initialBudgetState(),
      decideSetBudget(initialBudgetState(), { userId, period: 'month', limit: '0.3' }, 'x'),
    );
    const status = budgetStatus(state, '0.3', new Date('2030-01-15T10:00:00Z'))!;
    expect(status).toMatchObject({ exhausted: true, remaining: '0', resetsAt: '2030-02-01T00:00:00.000Z' });
    expect(budgetStatus(state, '0.2999999999999999999', new Date())!.exhausted).toBe(false);
  });

  it('a repeated identical set and a clear without a budget write nothing', () => {
    const state = apply(
      initialBudgetState(),
      decideSetBudget(initialBudgetState(), { userId, period: 'day', limit: '1' }, 'x'),
    );
    expect(
      decideSetBudget(state, { userId, period: 'day', limit: '1.0', alertAt: [1, 0.8, 0.5] }, 'y'),
    ).toEqual([]);
    expect(decideSetBudget(state, { userId, period: 'day', limit: '2' }, 'y')).toHaveLength(1);
    apply(state, decideClearBudget(state, userId, 'z'));
    expect(state.budget).toBeNull();
    expect(decideClearBudget(state, userId, 'z')).toEqual([]);
  });
});
