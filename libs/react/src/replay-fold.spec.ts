import type { ReplayFrame } from '@run-ledger/client';
import { applyFrame, dueTimes, emptyFold, MAX_IDLE_GAP_MS, taskSpan, waterfall } from './replay-fold';

const t0 = Date.UTC(2026, 0, 1);
const at = (ms: number) => new Date(t0 + ms).toISOString();
let version = 0;
const frame = (type: string, data: Record<string, unknown>, recordedMs: number): ReplayFrame => ({
  runId: 'r',
  version: version++,
  type,
  data,
  metadata: { recordedAt: at(recordedMs) },
});

function run(): ReplayFrame[] {
  version = 0;
  return [
    frame('RunStarted', { name: 'demo' }, 0),
    frame('TaskCreated', { taskId: 'a', taskName: 'answer', model: 'gpt-4o', createdAt: at(100) }, 100),
    // Chunks are recorded in batches (recordedAt late) but are due at createdAt + offsetMs.
    frame('ChunkReceived', { taskId: 'a', seq: 0, text: 'Hel', offsetMs: 50 }, 400),
    frame('ChunkReceived', { taskId: 'a', seq: 1, text: 'lo', offsetMs: 250 }, 400),
    frame('TaskCompleted', { taskId: 'a' }, 420),
    frame('RunRenamed', { name: 'later' }, 420 + 3_600_000),
  ];
}

describe('replay fold and pacing', () => {
  it('folds frames into the run as shown: name, task text in seq order, status', () => {
    const fold = emptyFold();
    run().forEach((f) => applyFrame(fold, f));
    expect(fold.name).toBe('later');
    expect(fold.tasks).toHaveLength(1);
    expect(fold.tasks[0].parts.join('')).toBe('Hello');
    expect(fold.tasks[0].status).toBe('completed');
  });

  it('paces chunks by their offsets, other events by recordedAt, never before the frame ahead, with idle gaps cut', () => {
    expect(dueTimes(run())).toEqual([0, 100, 150, 350, 420, 420 + MAX_IDLE_GAP_MS]);
  });

  it('draws one waterfall lane per task: created, first token, completed, and every chunk counted', () => {
    const frames = run();
    const [lane] = waterfall(frames, dueTimes(frames));
    expect(lane).toMatchObject({
      taskId: 'a',
      created: 100,
      firstToken: 150,
      ended: 420,
      status: 'completed',
    });
    expect(lane.density.reduce((a, b) => a + b, 0)).toBe(2);
  });

  it('spans the task timeline from the first task created to the last task ended, not to later run events', () => {
    const frames = run();
    const due = dueTimes(frames);
    expect(taskSpan(waterfall(frames, due), due[due.length - 1])).toEqual({ start: 100, end: 420 });
  });

  it('spans a task still live up to now (the last event)', () => {
    const frames = run().slice(0, 4);
    const due = dueTimes(frames);
    expect(taskSpan(waterfall(frames, due), due[due.length - 1])).toEqual({ start: 100, end: 350 });
    expect(taskSpan([], 0)).toEqual({ start: 0, end: 0 });
  });
});
