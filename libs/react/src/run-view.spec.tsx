/**
 * @jest-environment jsdom
 */
import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { LedgerProvider } from './context';
import { RunView } from './run-view';
import { makeRun, makeTask, MemoryLedger } from '../test/memory-ledger';

function setup(onDeleted = jest.fn()) {
  const ledger = new MemoryLedger();
  const run = makeRun({
    name: 'Chat about code',
    messages: [
      { role: 'user', content: 'Show me **code**', timestamp: '2026-01-01T12:00:00.000Z', metadata: {} },
    ],
  });
  const task = makeTask(run.id, { status: 'streaming', responseText: 'Here', chunkCount: 1 });
  ledger.runs = [run];
  ledger.tasks = [task];
  render(
    <LedgerProvider client={ledger.api()}>
      <RunView runId={run.id} onReplay={() => undefined} onDeleted={onDeleted} />
    </LedgerProvider>,
  );
  return { ledger, run, task, onDeleted };
}

describe('<RunView>', () => {
  it('renders the conversation as markdown and has the contract buttons', async () => {
    setup();
    await screen.findByRole('heading', { name: 'Chat about code' });
    expect(screen.getByText('code').tagName).toBe('STRONG');
    for (const name of ['Replay', 'Rename', 'Star', 'Archive', 'Delete'])
      expect(screen.getByRole('button', { name })).toBeTruthy();
  });

  it('grows a streaming task live from task.updated pushes, ignoring an older row that arrives late', async () => {
    const { ledger, task } = setup();
    await screen.findByText('Here');
    act(() => ledger.pushTask({ ...task, responseText: 'Here is', chunkCount: 2 }));
    await screen.findByText('Here is');
    act(() => ledger.pushTask({ ...task, responseText: 'Here', chunkCount: 1 }));
    act(() => ledger.pushTask({ ...task, responseText: 'Here is the answer', chunkCount: 3 }));
    await screen.findByText('Here is the answer');
  });

  it("keeps a failed task's streamed text, marked partial, after its own question and beside its error", async () => {
    const ledger = new MemoryLedger();
    const run = makeRun({ name: 'Two questions' });
    const failed = makeTask(run.id, {
      taskId: '10000000-0000-4000-8000-000000000001',
      status: 'failed',
      responseText: 'Summary: ',
      chunkCount: 2,
      error: { code: 'rate_limit', message: 'Provider returned 429' },
    });
    const next = makeTask(run.id, { taskId: '10000000-0000-4000-8000-000000000002', status: 'completed' });
    const at = '2026-01-01T12:00:00.000Z';
    run.messages = [
      { role: 'user', content: 'Summarize the report', timestamp: at, metadata: { taskId: failed.taskId } },
      { role: 'user', content: 'Try again', timestamp: at, metadata: { taskId: next.taskId } },
      { role: 'assistant', content: 'The report says…', timestamp: at, metadata: { taskId: next.taskId } },
    ];
    ledger.runs = [run];
    ledger.tasks = [failed, next];
    render(
      <LedgerProvider client={ledger.api()}>
        <RunView runId={run.id} />
      </LedgerProvider>,
    );
    const partial = await screen.findByRole('article', {
      name: 'assistant message, partial (the task failed)',
    });
    expect(partial.textContent).toContain('Summary:');
    expect(partial.textContent).toContain('rate_limit: Provider returned 429');
    const order = [...screen.getByRole('region', { name: 'Conversation' }).querySelectorAll('article')].map(
      (a) => a.textContent,
    );
    expect(order.findIndex((t) => t?.includes('Summary:'))).toBe(1);
    expect(order.findIndex((t) => t?.includes('Try again'))).toBe(2);
  });

  it('renames through its form, and deletes only after the confirmation', async () => {
    const { ledger, run, onDeleted } = setup();
    fireEvent.click(await screen.findByRole('button', { name: 'Rename' }));
    fireEvent.change(screen.getByLabelText('New name'), { target: { value: 'Renamed' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save name' }));
    await screen.findByRole('heading', { name: 'Renamed' });

    fireEvent.click(screen.getByRole('button', { name: 'Delete' }));
    expect(ledger.calls.some((c) => c.name === 'run.delete')).toBe(false);
    fireEvent.click(screen.getByRole('button', { name: 'Confirm delete' }));
    await waitFor(() => expect(onDeleted).toHaveBeenCalledWith(run.id));
    expect(ledger.calls.filter((c) => c.name === 'run.delete')).toHaveLength(1);
  });
});
