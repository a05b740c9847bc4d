import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { taskRowIdFor } from '@ledger/domain';
import { evolveRunView, foldRunView, RunViewFoldError } from './run-view.fold';
import { serialiseView } from './run-view.rows';
import { Clock, recorded, runEvents } from '../test/fixtures';

describe('evolveRunView', () => {
  const userId = randomUUID();
  const runId = randomUUID();
  const e = runEvents(runId, userId);
  const clock = new Clock();
  const [t1, t2, t3] = [randomUUID(), randomUUID(), randomUUID()];

  const conversation = [
    e.started(clock.next()),
    e.created(t1, clock.next(), 'Hello'),
    e.chunk(t1, 0, 'Hi', 120),
    e.chunk(t1, 1, ' there'),
    e.completed(t1, clock.next(), { input: 10, output: 5 }, '0.1', 120),
    e.created(t2, clock.next(), 'Why?'),
    e.failed(t2, clock.next()),
    e.created(t3, clock.next()),
    e.chunk(t3, 0, 'unpriced'),
    e.completed(t3, clock.next(), { input: 1, output: 2 }, null),
  ];

  it('folds a conversation: messages in event order, totals, statuses, text', () => {
    const view = foldRunView(recorded(runId, userId, conversation))!;
    const { run, tasks } = serialiseView(view);
    expect(run.messages.map((m) => [m.role, m.content])).toEqual([
      ['user', 'Hello'],
      ['assistant', 'Hi there'],
      ['user', 'Why?'],
      ['assistant', 'unpriced'],
    ]);
    expect(run.messageCount).toBe(4);
    expect(run.lastMessageAt).toBe(run.messages[3].timestamp);
    expect(run.taskCount).toBe(3);
    expect(run.totalTokens).toBe(15 + 3);
    expect(run.totalCost).toBe('0.1');
    expect(run.unpricedTaskCount).toBe(2); // t3 (no price) and t2 (failed, no cost given)
    expect(run.version).toBe(conversation.length - 1);
    expect(tasks.map((t) => t.status)).toEqual(['completed', 'failed', 'completed']);
    expect(tasks[0]).toMatchObject({
      id: taskRowIdFor(runId, t1),
      responseText: 'Hi there',
      timeToFirstToken: 120,
      chunkCount: 2,
    });
    expect(tasks[1].error).toEqual({ code: 'PROVIDER', message: 'boom' });
    expect(run.messages[1].metadata).toMatchObject({
      taskId: t1,
      model: 'gpt-4o',
      cost: '0.1',
      tokens: { total: 15 },
    });
  });

  it('sums costs exactly and follows a reprice', () => {
    const t = [randomUUID(), randomUUID(), randomUUID()];
    const events = recorded(runId, userId, [
      e.started(clock.next()),
      ...t.flatMap((id) => [e.created(id, clock.next()), e.completed(id, clock.next(), {}, '0.1')]),
      e.repriced(t[0], '0.20'),
      e.repriced(t[1], null),
    ]);
    const view = foldRunView(events)!;
    expect(view.run.totalCost).toBe('0.3'); // 0.2 + 0.1, never 0.30000000000000004
    expect(view.run.unpricedTaskCount).toBe(1);
    expect(view.tasks.get(t[0])!.cost).toBe('0.2');
    expect(view.run.messages.find((m) => m.metadata.taskId === t[0])!.metadata.cost).toBe('0.2');
  });

  it('renames, stars, archives, deletes', () => {
    const view = foldRunView(
      recorded(runId, userId, [e.started(clock.next()), e.renamed('New'), e.starred(), e.archived()]),
    )!;
    expect(view.run).toMatchObject({ name: 'New', starred: true, archived: true });
    expect(
      foldRunView(recorded(runId, userId, [e.started(clock.next()), e.starred(), e.unstarred()]))!.run
        .starred,
    ).toBe(false);
    expect(foldRunView(recorded(runId, userId, [e.started(clock.next()), e.deleted()]))).toBeNull();
  });

  it('keeps non-text chunks apart from the text', () => {
    const t = randomUUID();
    const view = foldRunView(
      recorded(runId, userId, [
        e.started(clock.next()),
        e.created(t, clock.next()),
        e.otherChunk(t, 0, 'info', { a: 1 }),
        e.chunk(t, 1, 'x'),
        e.otherChunk(t, 2, 'tool', { b: 2 }),
        e.otherChunk(t, 3, 'error', { c: 3 }),
        e.otherChunk(t, 4, 'data', { d: 4 }),
      ]),
    )!;
    expect(view.tasks.get(t)).toMatchObject({
      status: 'streaming',
      responseText: 'x',
      responseInfo: [{ a: 1 }],
      toolUpdates: [{ b: 2 }],
      responseErrors: [{ c: 3 }],
      dataChunks: [{ d: 4 }],
      timeToFirstToken: 100,
    });
  });

  it('does not mutate the view it is given', () => {
    const events = recorded(runId, userId, conversation);
    const before = foldRunView(events.slice(0, 3))!;
    const snapshot = JSON.stringify(serialiseView(before));
    evolveRunView(before, events[3]);
    expect(JSON.stringify(serialiseView(before))).toBe(snapshot);
  });

  it('refuses a broken stream instead of skipping', () => {
    const t = randomUUID();
    const gap = recorded(runId, userId, [
      e.started(clock.next()),
      e.created(t, clock.next()),
      e.chunk(t, 1, 'gap'),
    ]);
    expect(() => foldRunView(gap)).toThrow(RunViewFoldError);
    expect(() => foldRunView(recorded(runId, userId, [e.created(t, clock.next())]))).toThrow(
      /run does not exist/,
    );
    const late = recorded(runId, userId, [
      e.started(clock.next()),
      e.created(t, clock.next()),
      e.completed(t, clock.next()),
      e.chunk(t, 0, 'late'),
    ]);
    expect(() => foldRunView(late)).toThrow(/after task/);
  });
});

describe('folding in place within one fold', () => {
  it('gives exactly the pure fold, for random runs with every kind of chunk, failures and reprices', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            chunks: fc.array(
              fc.oneof(fc.constantFrom('text', 'info', 'error', 'tool', 'data'), fc.constant('text')),
              {
                maxLength: 12,
              },
            ),
            end: fc.constantFrom('completed', 'failed', 'open', 'repriced'),
            message: fc.boolean(),
          }),
          { minLength: 1, maxLength: 6 },
        ),
        (tasks) => {
          const userId = randomUUID();
          const runId = randomUUID();
          const e = runEvents(runId, userId);
          const clock = new Clock();
          const bodies = [e.started(clock.next())];
          for (const t of tasks) {
            const taskId = randomUUID();
            bodies.push(e.created(taskId, clock.next(), t.message ? `ask ${taskId}` : undefined));
            t.chunks.forEach((kind, seq) =>
              bodies.push(
                kind === 'text'
                  ? e.chunk(taskId, seq, `w${seq} `)
                  : e.otherChunk(taskId, seq, kind as 'info' | 'error' | 'tool' | 'data', { n: seq }),
              ),
            );
            if (t.end === 'failed') bodies.push(e.failed(taskId, clock.next()));
            if (t.end === 'completed' || t.end === 'repriced')
              bodies.push(
                e.completed(taskId, clock.next(), { input: 3, output: t.chunks.length }, '0.25', 10),
              );
            if (t.end === 'repriced') bodies.push(e.repriced(taskId, '0.5'));
          }
          const events = recorded(runId, userId, bodies);
          const pure = events.reduce<ReturnType<typeof evolveRunView>>((v, ev) => evolveRunView(v, ev), null);
          const inPlace = foldRunView(events);
          expect(serialiseView(inPlace!)).toEqual(serialiseView(pure!));
          const { tasks: views } = serialiseView(inPlace!);
          views.forEach((task, i) => {
            const kinds = tasks[i].chunks;
            expect(task.responseText).toBe(kinds.map((k, seq) => (k === 'text' ? `w${seq} ` : '')).join(''));
            expect(task.toolUpdates).toHaveLength(kinds.filter((k) => k === 'tool').length);
            expect(task.dataChunks ?? []).toHaveLength(kinds.filter((k) => k === 'data').length);
            expect(task.responseInfo).toHaveLength(kinds.filter((k) => k === 'info').length);
          });
        },
      ),
      { numRuns: 200 },
    );
  });
});

/** A clock that never moves: every event recorded at the same time. */
class FrozenClock extends Clock {
  override next(): string {
    return this.now();
  }
}

describe('chunk batches (schema 4)', () => {
  const kinds = fc.constantFrom('text', 'text', 'info', 'tool', 'data', 'error');
  const chunkList = fc.array(fc.tuple(kinds, fc.string({ maxLength: 5 })), { minLength: 1, maxLength: 12 });

  it('a ChunksReceived folds to exactly what its chunks fold to as ChunkReceived events, split anywhere', () => {
    fc.assert(
      fc.property(chunkList, fc.nat(), (list, cut) => {
        const userId = randomUUID();
        const runId = randomUUID();
        const taskId = randomUUID();
        const e = runEvents(runId, userId);
        const chunks = list.map(([kind, text], seq) =>
          kind === 'text'
            ? { seq, kind, text, offsetMs: 10 * seq }
            : { seq, kind, payload: { text }, offsetMs: 10 * seq },
        );
        const head = [e.started('2026-11-30T10:00:00.000Z'), e.created(taskId, '2026-11-30T10:00:01.000Z')];
        const single = chunks.map((c) => ({ type: 'ChunkReceived' as const, data: { runId, taskId, ...c } }));
        const at = cut % (chunks.length + 1);
        const batches = [chunks.slice(0, at), chunks.slice(at)]
          .filter((part) => part.length > 0)
          .map((part) => ({ type: 'ChunksReceived' as const, data: { runId, taskId, chunks: part } }));
        // One recorded time for every event, so only the number of events (the version) may differ.
        const fold = (bodies: Parameters<typeof recorded>[2]) =>
          serialiseView(foldRunView(recorded(runId, userId, bodies, new FrozenClock()))!);
        const a = fold([...head, ...single]);
        const b = fold([...head, ...batches]);
        expect(b.tasks).toEqual(a.tasks);
        expect({ ...b.run, version: 0 }).toEqual({ ...a.run, version: 0 });
      }),
      { numRuns: 60 },
    );
  });
});
