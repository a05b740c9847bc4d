import { randomUUID } from 'node:crypto';
import type { RecordedEvent } from '@ledger/event-store';
import { diffBatch, foldBatch, restrictBatch } from './run-view.batch';
import { Clock, recorded, runEvents } from '../test/fixtures';

/** Interleaves the events of several runs into one batch of the global log, positions in order. */
function interleave(...streams: RecordedEvent[][]): RecordedEvent[] {
  const out: RecordedEvent[] = [];
  for (let i = 0; streams.some((s) => i < s.length); i++)
    for (const s of streams)
      if (i < s.length) out.push({ ...s[i], position: { commit: 1n, prepare: BigInt(out.length + 1) } });
  return out;
}

describe('foldBatch: an event the fold refuses stops its run only', () => {
  const clock = new Clock();
  const [userA, userB] = [randomUUID(), randomUUID()];
  const [runA, runB] = [randomUUID(), randomUUID()];
  const a = runEvents(runA, userA);
  const b = runEvents(runB, userB);
  const taskB = randomUUID();
  const streamA = recorded(runA, userA, [
    a.started(clock.next()),
    a.chunk(randomUUID(), 0, 'orphan'),
    a.renamed('after'),
  ]);
  const streamB = recorded(runB, userB, [
    b.started(clock.next()),
    b.created(taskB, clock.next()),
    b.chunk(taskB, 0, 'ok'),
  ]);
  const batch = interleave(streamA, streamB);
  const empty = new Map([
    [runA, null],
    [runB, null],
  ]);

  it('folds the other runs on, and keeps the refused run as it was right before the event', () => {
    const folded = foldBatch(empty, batch);
    expect(folded.after.get(runB)!.tasks.get(taskB)!.responseText).toBe('ok');
    expect(folded.after.get(runA)!.run).toMatchObject({ name: 'A chat', version: 0 });
    expect(folded.failures.get(runA)!.event.id).toBe(streamA[1].id);
    expect(String(folded.failures.get(runA)!.error)).toMatch(/unknown task/);
    expect(folded.failures.has(runB)).toBe(false);
    expect(folded.applied.get(runA)!.map((e) => e.id)).toEqual([streamA[0].id]);
    expect(folded.applied.get(runB)).toHaveLength(3);
  });

  it('passes over quarantined runs and skipped events; an erasure always applies and releases', () => {
    const skipped = new Set([streamA[1].id]);
    const clean = foldBatch(empty, batch, { skipped });
    expect(clean.failures.size).toBe(0);
    expect(clean.after.get(runA)!.run.name).toBe('after');

    const held = foldBatch(empty, batch, { quarantined: new Set([runA]) });
    expect(held.after.has(runA)).toBe(false);
    const erased = recorded(runA, userA, [a.deleted()]);
    const released = foldBatch(empty, erased, { quarantined: new Set([runA]) });
    expect(released.after.get(runA)).toBeNull();
    expect([...released.released]).toEqual([runA]);
  });

  it('restricts a batch to some runs', () => {
    const one = restrictBatch(foldBatch(empty, batch), [runB]);
    expect([...one.after.keys()]).toEqual([runB]);
    expect(one.failures.size).toBe(0);
  });
});

describe('diffBatch: tasks that only streamed text are written by appending', () => {
  const clock = new Clock();
  const userId = randomUUID();
  const runId = randomUUID();
  const e = runEvents(runId, userId);
  const [streaming, finishing, tooling, fresh] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
  const stream = recorded(
    runId,
    userId,
    [
      e.started(clock.next()),
      ...[streaming, finishing, tooling].map((t) => e.created(t, clock.next(), 'q')),
      ...[streaming, finishing, tooling].map((t) => e.chunk(t, 0, 'Hel')),
      // the next batch:
      e.chunk(streaming, 1, 'lo, '),
      e.chunk(streaming, 2, "it's \\ \u00e9"),
      {
        type: 'ChunksReceived',
        data: {
          runId,
          taskId: streaming,
          chunks: [
            { seq: 3, kind: 'text', text: ' and', offsetMs: 400 },
            { seq: 4, kind: 'text', text: ' more', offsetMs: 410 },
          ],
        },
      },
      e.chunk(finishing, 1, 'lo'),
      e.completed(finishing, clock.next()),
      e.otherChunk(tooling, 1, 'tool', { name: 'search' }),
      e.created(fresh, clock.next(), 'q2'),
      e.chunk(fresh, 0, 'new'),
    ],
    clock,
  );
  const first = foldBatch(new Map([[runId, null]]), stream.slice(0, 7));
  const second = foldBatch(first.after, stream.slice(7));

  it('marks a streaming task with its stored text and what the batch added to it, and nothing else', () => {
    const changes = diffBatch(first.after, second);
    const idOf = (taskId: string) => second.after.get(runId)!.tasks.get(taskId)!.id;
    expect(changes.tasks).toHaveLength(4);
    const stored = first.after.get(runId)!.tasks.get(streaming)!.responseText;
    expect([...changes.textAppends]).toEqual([
      [idOf(streaming), { base: stored, added: "lo, it's \\ \u00e9 and more" }],
    ]);
    const task = changes.tasks.find((t) => t.id === idOf(streaming))!;
    expect(task.responseText).toBe(`${stored}lo, it's \\ \u00e9 and more`);
  });

  it('marks nothing in a batch over no stored row', () => {
    expect(
      diffBatch(new Map([[runId, null]]), foldBatch(new Map([[runId, null]]), stream)).textAppends.size,
    ).toBe(0);
  });
});

describe('diffBatch: runs whose tasks only streamed are updated in their activity time and version alone', () => {
  const clock = new Clock();
  const userId = randomUUID();
  const [streamingRun, renamedRun, finishingRun] = [randomUUID(), randomUUID(), randomUUID()];
  const task = randomUUID();
  const streams = [streamingRun, renamedRun, finishingRun].map((runId) => {
    const e = runEvents(runId, userId);
    const last =
      runId === streamingRun
        ? e.chunk(task, 1, 'lo')
        : runId === renamedRun
          ? e.renamed('renamed')
          : e.completed(task, clock.next());
    return recorded(
      runId,
      userId,
      [e.started(clock.next()), e.created(task, clock.next(), 'q'), e.chunk(task, 0, 'Hel'), last],
      clock,
    );
  });
  const empty = new Map([streamingRun, renamedRun, finishingRun].map((id) => [id, null] as const));
  const first = foldBatch(
    empty,
    streams.flatMap((s) => s.slice(0, 3)),
  );
  const second = foldBatch(
    first.after,
    streams.map((s) => s[3]),
  );

  it('marks the run of a streamed chunk only; a rename or a completion rewrites the row', () => {
    const changes = diffBatch(first.after, second);
    expect([...changes.touchedOnly]).toEqual([streamingRun]);
    expect(changes.messagesUnchanged.has(streamingRun)).toBe(false);
    expect(changes.messagesUnchanged.has(renamedRun)).toBe(true);
    const run = changes.runs.find((r) => r.id === streamingRun)!;
    expect(run.version).toBe(3);
    expect(run.updatedAt).not.toBe(first.after.get(streamingRun)!.run.updatedAt);
  });

  it('marks nothing in a batch over no stored row', () => {
    expect(diffBatch(empty, foldBatch(empty, streams.flat())).touchedOnly.size).toBe(0);
  });
});
