/**
 * @jest-environment jsdom
 */
import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { LedgerProvider } from './context';
import { UsageSummary } from './usage-summary';
import { MemoryLedger } from '../test/memory-ledger';

const row = (model: string, cost: string, unpricedTasks: number) => ({
  model,
  tasks: 2,
  inputTokens: 1200,
  outputTokens: 300,
  cachedInputTokens: 0,
  reasoningTokens: 0,
  cost,
  unpricedTasks,
});

describe('<UsageSummary>', () => {
  it('asks for the range and grouping chosen, and counts unpriced tasks instead of hiding them', async () => {
    const ledger = new MemoryLedger();
    ledger.usage = [row('gpt-4o', '0.0125', 0), row('my-local-model', '0', 2)];
    render(
      <LedgerProvider client={ledger.api()}>
        <UsageSummary
          initial={{ from: '2026-01-01', to: '2026-01-31' }}
          renderChart={(rows) => <p>chart of {rows.length}</p>}
        />
      </LedgerProvider>,
    );
    await screen.findByText('chart of 2');
    expect(screen.getByRole('note').textContent).toMatch(/2 task\(s\) have no price/);
    expect(screen.getByRole('rowheader', { name: 'my-local-model' })).toBeTruthy();
    expect(screen.getByText('$0.0125')).toBeTruthy();
    // A model without a price says so in its cost cell, never "$0.00" beside its unpriced tasks.
    const costOf = (name: string) =>
      screen.getByRole('rowheader', { name }).closest('tr')!.querySelectorAll('td')[5].textContent;
    expect(costOf('my-local-model')).toBe('unpriced');
    expect(costOf('gpt-4o')).toBe('$0.0125');
    fireEvent.change(screen.getByLabelText('Group by'), { target: { value: 'model' } });
    await waitFor(() =>
      expect(ledger.calls.filter((c) => c.name === 'usage.summary').map((c) => c.payload)).toEqual([
        { groupBy: 'day', from: '2026-01-01', to: '2026-01-31' },
        { groupBy: 'model', from: '2026-01-01', to: '2026-01-31' },
      ]),
    );
  });
});
