/**
 * @jest-environment jsdom
 */
import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { LedgerProvider } from './context';
import { ReplayPlayer } from './replay-player';
import { EAGER_REPLAY_EVENTS } from './use-replay';
import { makeRun, makeTask, MemoryLedger } from '../test/memory-ledger';

// `chunksAtMs`: when the chunks were recorded (a long gap leaves time to pause mid-replay).
function setup(latestVersion?: number, chunksAtMs = 40) {
  const ledger = new MemoryLedger();
  const run = makeRun({ name: 'Replayed' });
  const task = makeTask(run.id);
  ledger.runs = [run];
  ledger.tasks = [task];
  const t = (ms: number) => new Date(Date.UTC(2026, 0, 1) + ms).toISOString();
  const base = { runId: run.id };
  ledger.frames = [
    { ...base, version: 0, type: 'RunStarted', data: { name: 'Replayed' }, metadata: { recordedAt: t(0) } },
    {
      ...base,
      version: 1,
      type: 'TaskCreated',
      data: { taskId: task.taskId, taskName: 'answer', model: 'gpt-4o', createdAt: t(0) },
      metadata: { recordedAt: t(0) },
    },
    ...['one ', 'two ', 'three'].map((text, i) => ({
      ...base,
      version: 2 + i,
      type: 'ChunkReceived',
      data: { taskId: task.taskId, seq: i, text, offsetMs: 10 * (i + 1) },
      metadata: { recordedAt: t(chunksAtMs) },
    })),
    {
      ...base,
      version: 5,
      type: 'TaskCompleted',
      data: { taskId: task.taskId },
      metadata: { recordedAt: t(chunksAtMs + 10) },
    },
  ];
  render(
    <LedgerProvider client={ledger.api()}>
      <ReplayPlayer runId={run.id} latestVersion={latestVersion} />
    </LedgerProvider>,
  );
  return ledger;
}

const replayed = () => document.querySelector('[data-replay-text]')?.textContent?.trim();

describe('<ReplayPlayer>', () => {
  it('plays every event in order at instant speed', async () => {
    setup();
    await waitFor(() =>
      expect(screen.getByRole('button', { name: 'Replay' }).hasAttribute('disabled')).toBe(false),
    );
    fireEvent.change(screen.getByLabelText('Speed'), { target: { value: '0' } });
    fireEvent.click(screen.getByRole('button', { name: 'Replay' }));
    await waitFor(() => expect(replayed()).toBe('one two three'));
    expect(screen.getByRole('status').textContent).toBe('Replay finished');
  });

  it('plays at the original pacing, the text only ever growing', async () => {
    setup();
    await waitFor(() =>
      expect(screen.getByRole('button', { name: 'Replay' }).hasAttribute('disabled')).toBe(false),
    );
    const seen: string[] = [];
    const observer = new MutationObserver(() => {
      const text = replayed();
      if (text !== undefined && text !== seen[seen.length - 1]) seen.push(text ?? '');
    });
    observer.observe(document.body, { subtree: true, childList: true, characterData: true });
    fireEvent.click(screen.getByRole('button', { name: 'Replay' }));
    await waitFor(() => expect(screen.getByRole('status').textContent).toBe('Replay finished'));
    observer.disconnect();
    expect(seen[seen.length - 1]).toBe('one two three');
    seen.forEach((text, i) => i > 0 && expect(text.startsWith(seen[i - 1])).toBe(true));
  });

  it('says Paused, not Ready, when paused mid-replay', async () => {
    setup(undefined, 60_000);
    await waitFor(() =>
      expect(screen.getByRole('button', { name: 'Replay' }).hasAttribute('disabled')).toBe(false),
    );
    fireEvent.click(screen.getByRole('button', { name: 'Replay' }));
    fireEvent.click(await screen.findByRole('button', { name: 'Pause' }));
    expect(screen.getByRole('button', { name: 'Continue' }).hasAttribute('disabled')).toBe(false);
    expect(screen.getByRole('status').textContent).toBe('Paused');
  });

  it('shows the run as run.at gives it when the Version scrubber moves', async () => {
    const ledger = setup();
    // The events are in: the scrubber spans versions 0 to 5.
    await waitFor(() =>
      expect(screen.getByRole('slider', { name: 'Version' }).getAttribute('max')).toBe('5'),
    );
    fireEvent.change(screen.getByRole('slider', { name: 'Version' }), { target: { value: '3' } });
    await waitFor(() =>
      expect(screen.getByRole('status').textContent).toBe('The run as it was at version 3'),
    );
    expect(replayed()).toBe('one two');
    expect(ledger.calls).toContainEqual({
      name: 'run.at',
      payload: { runId: ledger.runs[0].id, version: 3 },
    });
  });

  it('fetches a long run’s events only when Replay is pressed, then plays them', async () => {
    const ledger = setup(EAGER_REPLAY_EVENTS + 5);
    await screen.findByText(/events load when you replay or scrub/);
    expect(ledger.calls.filter((c) => c.name === 'run.replay')).toHaveLength(0);
    fireEvent.change(screen.getByLabelText('Speed'), { target: { value: '0' } });
    fireEvent.click(screen.getByRole('button', { name: 'Replay' }));
    await waitFor(() => expect(screen.getByRole('status').textContent).toBe('Replay finished'));
    expect(replayed()).toBe('one two three');
    expect(ledger.calls.filter((c) => c.name === 'run.replay')).toHaveLength(1);
  });
});
