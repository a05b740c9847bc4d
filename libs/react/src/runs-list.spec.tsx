/**
 * @jest-environment jsdom
 */
import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { LedgerProvider } from './context';
import { RunsList } from './runs-list';
import { giveElementsASize } from '../test/jsdom-layout';
import { makeRun, MemoryLedger } from '../test/memory-ledger';

beforeAll(() => giveElementsASize());

function setup(ledger: MemoryLedger) {
  return render(
    <LedgerProvider client={ledger.api()}>
      <RunsList height={400} />
    </LedgerProvider>,
  );
}

const names = () => screen.getAllByRole('link').map((a) => a.textContent);

describe('<RunsList>', () => {
  it('shows each run name as a link to its page, in the order the server gives (newest activity first)', async () => {
    const ledger = new MemoryLedger();
    const [newer, older] = [makeRun({ name: 'Newer' }), makeRun({ name: 'Older' })];
    ledger.runs = [newer, older];
    setup(ledger);
    await waitFor(() => expect(names()).toEqual(['Newer', 'Older']));
    expect(screen.getByRole('link', { name: 'Newer' }).getAttribute('href')).toBe(`#/runs/${newer.id}`);
  });

  it('puts a run announced by runs.changed at the top and drops one announced by runs.removed', async () => {
    const ledger = new MemoryLedger();
    const first = makeRun({ name: 'First' });
    ledger.runs = [first];
    setup(ledger);
    await waitFor(() => expect(names()).toEqual(['First']));
    const fresh = makeRun({ name: 'Fresh' });
    act(() => ledger.push('runs.changed', { run: fresh }));
    await waitFor(() => expect(names()).toEqual(['Fresh', 'First']));
    act(() =>
      ledger.push('runs.changed', {
        run: { ...first, name: 'First renamed', version: 5, lastMessageAt: '2030-01-01T00:00:00.000Z' },
      }),
    );
    await waitFor(() => expect(names()).toEqual(['First renamed', 'Fresh']));
    act(() => ledger.push('runs.removed', { runId: fresh.id }));
    await waitFor(() => expect(names()).toEqual(['First renamed']));
  });

  it('ignores a runs.changed push for an archived run while archived runs are hidden', async () => {
    const ledger = new MemoryLedger();
    const run = makeRun({ name: 'Kept' });
    ledger.runs = [run];
    setup(ledger);
    await waitFor(() => expect(names()).toEqual(['Kept']));
    act(() => ledger.push('runs.changed', { run: { ...run, archived: true, version: 9 } }));
    await waitFor(() => expect(screen.queryAllByRole('link')).toHaveLength(0));
  });

  it('sends the search as q, and filters here when the server refuses q (older than v1.1)', async () => {
    const ledger = new MemoryLedger();
    ledger.runs = [makeRun({ name: 'alpha report' }), makeRun({ name: 'beta' })];
    ledger.refusedListKeys = ['q'];
    setup(ledger);
    await waitFor(() => expect(names()).toHaveLength(2));
    fireEvent.change(screen.getByLabelText('Search runs'), { target: { value: 'alpha' } });
    fireEvent.submit(screen.getByRole('search'));
    await waitFor(() => expect(names()).toEqual(['alpha report']));
    expect(ledger.calls.some((c) => (c.payload as { q?: string }).q === 'alpha')).toBe(true);
    expect(screen.getByText(/the runs loaded are filtered here/)).toBeTruthy();
  });

  it('filters by model (typed, applied on Enter), here when the server refuses the key', async () => {
    const ledger = new MemoryLedger();
    const msg = (model: string) => ({
      role: 'assistant' as const,
      content: 'x',
      timestamp: '',
      metadata: { model },
    });
    ledger.runs = [
      makeRun({ name: 'uses claude', messages: [msg('claude-sonnet-4')] }),
      makeRun({ name: 'uses gpt' }),
    ];
    ledger.refusedListKeys = ['model'];
    setup(ledger);
    await waitFor(() => expect(names()).toHaveLength(2));
    fireEvent.change(screen.getByLabelText('Model'), { target: { value: 'claude-sonnet-4' } });
    fireEvent.submit(screen.getByRole('search'));
    await waitFor(() => expect(names()).toEqual(['uses claude']));
    expect(ledger.calls.some((c) => (c.payload as { model?: string }).model === 'claude-sonnet-4')).toBe(
      true,
    );
  });

  it('follows the cursor when the end of the list is reached', async () => {
    const ledger = new MemoryLedger();
    ledger.runs = Array.from({ length: 60 }, (_, i) => makeRun({ name: `r${i}` }));
    setup(ledger);
    await waitFor(() => expect(screen.getByText('50 run(s), scroll for more')).toBeTruthy());
    expect(ledger.calls.filter((c) => c.name === 'runs.list')).toHaveLength(1);
    const list = screen.getAllByRole('rowgroup')[1];
    list.scrollTop = 50 * 44 - 400;
    fireEvent.scroll(list);
    await waitFor(() => expect(screen.getByText('60 run(s)')).toBeTruthy());
    const cursors = ledger.calls
      .filter((c) => c.name === 'runs.list')
      .map((c) => (c.payload as { cursor?: string }).cursor);
    expect(cursors).toEqual([undefined, '50']);
  });

  it('stars a run from its row', async () => {
    const ledger = new MemoryLedger();
    const run = makeRun({ name: 'Shiny' });
    ledger.runs = [run];
    setup(ledger);
    const row = await screen.findByRole('row', { name: /Shiny/ });
    fireEvent.click(within(row).getByRole('button', { name: 'Star Shiny' }));
    await waitFor(() =>
      expect(ledger.calls).toContainEqual({ name: 'run.star', payload: { runId: run.id, arg: true } }),
    );
  });
});
