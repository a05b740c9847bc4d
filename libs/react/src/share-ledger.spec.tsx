/**
 * @jest-environment jsdom
 */
import { render, screen } from '@testing-library/react';
import type { ReplayFrame } from '@run-ledger/client';
import { LedgerProvider } from './context';
import { ReplayPlayer } from './replay-player';
import { RunView } from './run-view';
import { sharedRunLedger, type SharedRunData } from './share-ledger';
import { makeRun, makeTask } from '../test/memory-ledger';

function shared(): SharedRunData {
  const { userId: _u, ...run } = makeRun({
    name: 'Shared chat',
    version: 4,
    messages: [
      { role: 'user', content: 'Hello **there**', timestamp: '2026-01-01T12:00:00.000Z', metadata: {} },
    ],
  });
  const {
    userId: _t,
    requestData: _r,
    ...task
  } = makeTask(run.id, {
    status: 'completed',
    responseText: 'Hi you',
    chunkCount: 2,
  });
  const frame = (version: number, type: string, data: Record<string, unknown>): ReplayFrame => ({
    runId: run.id,
    version,
    type,
    data: { runId: run.id, ...data },
    metadata: { recordedAt: '2026-01-01T12:00:00.000Z' },
  });
  return {
    run,
    tasks: [task],
    events: [
      frame(0, 'RunStarted', { name: 'First name' }),
      frame(1, 'TaskCreated', { taskId: task.taskId, taskName: 'answer', model: 'gpt-4o' }),
      frame(2, 'ChunkReceived', { taskId: task.taskId, seq: 0, kind: 'text', text: 'Hi ', offsetMs: 1 }),
      frame(3, 'ChunkReceived', { taskId: task.taskId, seq: 1, kind: 'text', text: 'you', offsetMs: 2 }),
      frame(4, 'TaskCompleted', { taskId: task.taskId }),
    ],
  };
}

describe('sharedRunLedger', () => {
  it('feeds a read-only <RunView> with no write buttons', async () => {
    const data = shared();
    render(
      <LedgerProvider client={sharedRunLedger(data)}>
        <RunView runId={data.run.id} readOnly />
      </LedgerProvider>,
    );
    await screen.findByRole('heading', { name: 'Shared chat' });
    expect(screen.getByText('there').tagName).toBe('STRONG');
    for (const name of ['Rename', 'Star', 'Archive', 'Delete'])
      expect(screen.queryByRole('button', { name })).toBeNull();
  });

  it('answers run.at from the shared events, and refuses every write', async () => {
    const data = shared();
    const ledger = sharedRunLedger(data);
    const at = await ledger.runAt(data.run.id, { version: 2 });
    expect(at.run?.name).toBe('First name');
    expect(at.tasks.map((t) => [t.responseText, t.status])).toEqual([['Hi ', 'streaming']]);
    const end = await ledger.runAt(data.run.id, { version: 4 });
    expect(end.tasks.map((t) => [t.responseText, t.status])).toEqual([['Hi you', 'completed']]);
    const frames: ReplayFrame[] = [];
    for await (const f of ledger.replay(data.run.id, { fromVersion: 3 })) frames.push(f);
    expect(frames.map((f) => f.version)).toEqual([3, 4]);
    await expect(ledger.run(data.run.id).delete()).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it('numbers the versions the shared events show, not the link’s own ShareCreated left out of them', async () => {
    // The run is at version 5: its ShareCreated, which a share link never shows.
    const data = { ...shared(), run: { ...shared().run, version: 5 } };
    render(
      <LedgerProvider client={sharedRunLedger(data)}>
        <RunView
          runId={data.run.id}
          readOnly
          replay={(run) => <ReplayPlayer runId={run.id} latestVersion={run.version} />}
        />
      </LedgerProvider>,
    );
    await screen.findByText(/· version 4$/);
    expect(screen.getByRole('slider', { name: 'Version' }).getAttribute('max')).toBe('4');
    expect(screen.getByText(/^Version \d+ of/).textContent).toBe('Version 0 of 4');
  });
});
