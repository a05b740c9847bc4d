/**
 * @jest-environment jsdom
 */
import { render, screen, waitFor, within } from '@testing-library/react';
import { act } from 'react';
import { LedgerProvider, type LedgerApi } from './context';
import { BudgetSummary } from './budget-summary';
import type { Budget, BudgetAlert } from './use-budget';
import { MemoryLedger } from '../test/memory-ledger';

const USER = '00000000-0000-4000-8000-0000000000aa';

/** The memory ledger, answering `budget.get` with whatever `budget` holds at the time of the call. */
function budgetLedger(initial: Budget | null) {
  const ledger = new MemoryLedger();
  const state = { budget: initial };
  const api = ledger.api();
  const client = {
    ...api,
    command: async (name: string, payload: Record<string, unknown> = {}) => {
      ledger.calls.push({ name, payload });
      if (name !== 'budget.get') throw new Error(`unexpected ${name}`);
      return { budget: state.budget };
    },
  } as unknown as LedgerApi;
  const reads = () => ledger.calls.filter((c) => c.name === 'budget.get');
  return { ledger, state, client, reads };
}

const budget = (spent: string, remaining: string, extra: Partial<Budget> = {}): Budget => ({
  period: 'day',
  limit: '10',
  spent,
  remaining,
  resetsAt: '2030-01-16T00:00:00.000Z',
  hard: true,
  unpricedTasks: 0,
  alertAt: [0.5, 0.8, 1],
  ...extra,
});

describe('<BudgetSummary>', () => {
  it('says "No budget" when the user has none', async () => {
    const { client, reads } = budgetLedger(null);
    render(
      <LedgerProvider client={client}>
        <BudgetSummary />
      </LedgerProvider>,
    );
    await screen.findByText('No budget.');
    expect(screen.queryByRole('meter')).toBeNull();
    expect(reads().map((c) => c.payload)).toEqual([{}]);
  });

  it('shows spend against the limit as a meter, and on an alert push announces it and reads the budget again', async () => {
    const { ledger, state, client, reads } = budgetLedger(
      budget('2.5', '7.5', { hard: false, unpricedTasks: 2 }),
    );
    render(
      <LedgerProvider client={client}>
        <BudgetSummary userId={USER} />
      </LedgerProvider>,
    );
    const meter = await screen.findByRole('meter', { name: 'Budget spent' });
    expect(meter.getAttribute('aria-valuenow')).toBe('25');
    expect(meter.getAttribute('aria-valuetext')).toBe('$2.50 of $10.00 (25 %)');
    expect(screen.getByText('soft: alerts only')).toBeTruthy();
    expect(screen.getByText('50 %, 80 %, 100 %')).toBeTruthy();
    expect(screen.getByText('2030-01-16 00:00:00 UTC')).toBeTruthy();
    expect(screen.getByRole('note').textContent).toMatch(/^2 task\(s\) of this period have no price/);
    expect(reads().map((c) => c.payload)).toEqual([{ userId: USER }]);

    const live = screen.getByRole('region', { name: 'Budget alerts' });
    expect(live.getAttribute('aria-live')).toBe('polite');
    expect(live.textContent).toBe('');

    state.budget = budget('8', '2', { hard: false, unpricedTasks: 2 });
    const alert: BudgetAlert = {
      alertId: 'a1',
      userId: USER,
      period: 'day',
      threshold: 0.8,
      spent: '8',
      limit: '10',
    };
    // Another user's alert (an admin's own push) is not this budget's.
    act(() => ledger.push('budget.alert', { ...alert, alertId: 'a0', userId: 'someone-else' }));
    act(() => ledger.push('budget.alert', alert));
    await within(live).findByText('80 % of the daily budget reached: $8.00 of $10.00 spent.');
    expect(within(live).getAllByRole('listitem')).toHaveLength(1);
    await waitFor(() => expect(screen.getByRole('meter').getAttribute('aria-valuenow')).toBe('80'));
    expect(reads()).toHaveLength(2);
  });

  it('reads the budget again after runs change: once for a burst, then no sooner than minRefreshMs', async () => {
    // The clock is the test's: the throttle is checked by moving it, never by waiting.
    jest.useFakeTimers();
    try {
      const { ledger, state, client, reads } = budgetLedger(budget('0', '10'));
      render(
        <LedgerProvider client={client}>
          <BudgetSummary minRefreshMs={60_000} />
        </LedgerProvider>,
      );
      const meter = await screen.findByRole('meter');
      state.budget = budget('12', '0');
      act(() => {
        for (let i = 0; i < 5; i++) ledger.push('runs.changed', { run: {} });
      });
      await act(async () => void jest.advanceTimersByTime(0));
      await waitFor(() => expect(meter.getAttribute('aria-valuenow')).toBe('100'));
      expect(meter.className).toContain('rl-meter-over');
      expect(reads()).toHaveLength(2);

      act(() => ledger.push('runs.changed', { run: {} }));
      await act(async () => void jest.advanceTimersByTime(59_000));
      expect(reads()).toHaveLength(2);
      await act(async () => void jest.advanceTimersByTime(1_000));
      await waitFor(() => expect(reads()).toHaveLength(3));
    } finally {
      jest.useRealTimers();
    }
  });
});
