import { NOW, USER, given, recorded, runStarted } from '../test/decider-specification';
import type { NewEvent, RunCommand } from './run.decide';
import type { ChunkEntry } from './events';
import { chunkDigest } from './run.state';

const RUN = '22222222-2222-4222-8222-222222222222';
const TASK = '33333333-3333-4333-8333-333333333333';
const OTHER_USER = '44444444-4444-4444-8444-444444444444';

const started: NewEvent = runStarted(RUN);
const taskData = {
  runId: RUN,
  taskId: TASK,
  service: 'chat',
  taskName: 'answer',
  provider: 'openai',
  endpoint: '/v1/chat/completions',
  model: 'gpt-4o',
  requestData: { messages: [] },
};
const created: NewEvent = {
  type: 'TaskCreated',
  data: { ...taskData, createdAt: '2026-11-24T09:59:59.000Z' },
};
const chunk = (seq: number, text: string, offsetMs = seq * 10): NewEvent => ({
  type: 'ChunkReceived',
  data: { runId: RUN, taskId: TASK, seq, kind: 'text', text, offsetMs },
});
/** What a command's new chunks are written as (schema 4): one event, the chunks in order. */
const chunks = (...entries: ChunkEntry[]): NewEvent => ({
  type: 'ChunksReceived',
  data: { runId: RUN, taskId: TASK, chunks: entries },
});
const entry = (seq: number, text: string, offsetMs = seq * 10): ChunkEntry => ({
  seq,
  kind: 'text',
  text,
  offsetMs,
});
const completed: NewEvent = {
  type: 'TaskCompleted',
  data: {
    runId: RUN,
    taskId: TASK,
    usage: {
      inputTokens: 1,
      outputTokens: 1,
      cachedInputTokens: 0,
      cacheWriteTokens: 0,
      reasoningTokens: 0,
      totalTokens: 2,
    },
    usageSource: 'provider',
    cost: { amount: '0.002', priceId: 'p', prices: null },
    timeToFirstTokenMs: 0,
    totalTimeMs: 5,
    completedAt: NOW,
  },
};
const cmd = <C extends RunCommand>(c: C) => c;
const chunkCmd = (seq: number, text: string, offsetMs = seq * 10) =>
  cmd({ type: 'task.chunk', data: { runId: RUN, taskId: TASK, seq, text, offsetMs } });

describe('run decider', () => {
  describe('run.start', () => {
    it('starts a run, named from its start time when no name is given', () =>
      given()
        .when({ type: 'run.start', data: { runId: RUN, sourceType: 'chat', settings: { model: 'x' } } })
        .then([
          {
            type: 'RunStarted',
            data: {
              runId: RUN,
              userId: USER,
              sourceType: 'chat',
              name: 'Run 2026-11-24 10:00',
              settings: { model: 'x' },
              variableValues: {},
              brokerValues: {},
              startedAt: NOW,
            },
          },
        ]));

    it('refuses a run id that is already used', () =>
      given(started)
        .when({ type: 'run.start', data: { runId: RUN, sourceType: 'chat', settings: {} } })
        .thenFails('CONFLICT'));
  });

  describe('task.create', () => {
    it('creates a task, and renames an auto-named run from its first user message', () =>
      given(started)
        .when({
          type: 'task.create',
          data: { ...taskData, userMessage: { content: `  ${'word '.repeat(20)}  ` } },
        })
        .then([
          {
            type: 'TaskCreated',
            data: { ...taskData, userMessage: { content: `  ${'word '.repeat(20)}  ` }, createdAt: NOW },
          },
          { type: 'RunRenamed', data: { runId: RUN, name: 'word '.repeat(12).trim() } },
        ]));

    it('does not rename a run that was given a name', () =>
      given({ ...started, data: { ...started.data, name: 'Mine' } } as NewEvent)
        .when({ type: 'task.create', data: { ...taskData, userMessage: { content: 'hello' } } })
        .then([
          { type: 'TaskCreated', data: { ...taskData, userMessage: { content: 'hello' }, createdAt: NOW } },
        ]));

    it('refuses a task on a run that does not exist', () =>
      given().when({ type: 'task.create', data: taskData }).thenFails('NOT_FOUND'));

    it("refuses a task on another user's run as NOT_FOUND", () =>
      given(started)
        .when({ type: 'task.create', data: taskData }, { userId: OTHER_USER })
        .thenFails('NOT_FOUND'));

    it('refuses a task id that exists', () =>
      given(started, created).when({ type: 'task.create', data: taskData }).thenFails('CONFLICT'));
  });

  describe('chunks', () => {
    it('accepts the next chunk', () =>
      given(started, created, chunk(0, 'a'))
        .when(chunkCmd(1, 'b'))
        .then([chunks(entry(1, 'b'))]));

    it('ignores an exact repeat and acks its seq', () => {
      const spec = given(started, created, chunk(0, 'a'), chunk(1, 'b')).when(chunkCmd(0, 'a'));
      spec.then([]);
      spec.thenAck({ seq: 0 });
    });

    it('refuses a repeat with other content', () =>
      given(started, created, chunk(0, 'a'))
        .when(chunkCmd(0, 'A'))
        .thenFails('CONFLICT', /other content/));

    it('refuses a repeat with another offset', () =>
      given(started, created, chunk(0, 'a', 5))
        .when(chunkCmd(0, 'a', 6))
        .thenFails('CONFLICT'));

    it('refuses a gap', () =>
      given(started, created, chunk(0, 'a')).when(chunkCmd(2, 'c')).thenFails('CONFLICT', /gap/));

    it('refuses a new chunk after the task ended, but still ignores an exact repeat', () => {
      given(started, created, chunk(0, 'a'), completed).when(chunkCmd(1, 'b')).thenFails('CONFLICT', /ended/);
      given(started, created, chunk(0, 'a'), completed).when(chunkCmd(0, 'a')).then([]);
    });

    it('refuses a chunk of a task that does not exist', () =>
      given(started).when(chunkCmd(0, 'a')).thenFails('NOT_FOUND'));

    it('takes a batch atomically: a gap inside refuses all of it', () => {
      given(started, created)
        .when({
          type: 'task.chunks',
          data: {
            runId: RUN,
            taskId: TASK,
            chunks: [
              { seq: 0, text: 'a', offsetMs: 0 },
              { seq: 2, text: 'c', offsetMs: 2 },
            ],
          },
        })
        .thenFails('CONFLICT');
      const batch = given(started, created, chunk(0, 'a', 0)).when({
        type: 'task.chunks',
        data: {
          runId: RUN,
          taskId: TASK,
          chunks: [
            { seq: 0, text: 'a', offsetMs: 0 },
            { seq: 1, text: 'b', offsetMs: 10 },
            { seq: 1, text: 'b', offsetMs: 10 },
            { seq: 2, kind: 'tool', payload: { name: 'f' }, offsetMs: 20 },
          ],
        },
      });
      batch.then([chunks(entry(1, 'b'), { seq: 2, kind: 'tool', payload: { name: 'f' }, offsetMs: 20 })]);
      batch.thenAck({ lastSeq: 2 });
    });

    it('digests chunks by their content, so equal chunks compare equal', () => {
      expect(chunkDigest({ kind: 'data', payload: { a: 1, b: 2 }, offsetMs: 1 })).toBe(
        chunkDigest({ kind: 'data', payload: { b: 2, a: 1 }, offsetMs: 1 }),
      );
    });

    it('tells text chunks apart by every field, NUL characters in the text included', () => {
      const base = { kind: 'text' as const, text: 'a\u00001\u0000b', offsetMs: 1 };
      const others = [
        { ...base, text: 'a\u00001\u0000c' },
        { ...base, offsetMs: 2 },
        { ...base, kind: 'info' as const },
        { ...base, text: 'b' },
        // NULs in the text cannot make its fields read as another chunk's:
        { kind: 'text' as const, text: '1\u0000a\u00001\u0000b', offsetMs: 1 },
        { kind: 'text' as const, payload: { text: base.text }, offsetMs: 1 }, // the JSON form is apart
      ];
      const digests = others.map((c) => chunkDigest(c));
      expect(new Set([chunkDigest(base), ...digests]).size).toBe(others.length + 1);
      expect(chunkDigest({ ...base })).toBe(chunkDigest(base));
    });
  });

  describe('task.complete and task.fail', () => {
    it('completes with the provider usage, the cost of the moment, and time to first token from the first chunk', () => {
      const spec = given(started, created, chunk(0, 'hi', 120)).when({
        type: 'task.complete',
        data: {
          runId: RUN,
          taskId: TASK,
          usage: { inputTokens: 100, outputTokens: 20, cachedInputTokens: 40, reasoningTokens: 5 },
          finishReason: 'stop',
        },
      });
      spec.then([
        {
          type: 'TaskCompleted',
          data: {
            runId: RUN,
            taskId: TASK,
            usage: {
              inputTokens: 100,
              outputTokens: 20,
              cachedInputTokens: 40,
              cacheWriteTokens: 0,
              reasoningTokens: 5,
              totalTokens: 120,
            },
            usageSource: 'provider',
            cost: { amount: '0.12', priceId: 'test/model', prices: { input: '1', output: '1' } },
            timeToFirstTokenMs: 120,
            totalTimeMs: 1000,
            finishReason: 'stop',
            completedAt: NOW,
          },
        },
      ]);
      spec.thenAck({
        cost: { amount: '0.12', priceId: 'test/model' },
        tokensTotal: 120,
        usageSource: 'provider',
      });
    });

    it('estimates usage when none is given, and marks it estimated', () => {
      const [event] = given(started, created, chunk(0, 'hello'))
        .when({ type: 'task.complete', data: { runId: RUN, taskId: TASK } })
        .decision().events;
      expect(event).toMatchObject({
        type: 'TaskCompleted',
        data: { usageSource: 'estimated', usage: { inputTokens: 10, outputTokens: 5, totalTokens: 15 } },
      });
    });

    it('keeps an unknown price as null, never 0', () => {
      const [event] = given(started, created)
        .when(
          {
            type: 'task.complete',
            data: { runId: RUN, taskId: TASK, usage: { inputTokens: 1, outputTokens: 1 } },
          },
          {
            price: () => ({ amount: null, priceId: null, prices: null }),
          },
        )
        .decision().events;
      expect(event).toMatchObject({ data: { cost: { amount: null, priceId: null } } });
    });

    it('fails a task with its error, once', () => {
      given(started, created)
        .when({
          type: 'task.fail',
          data: { runId: RUN, taskId: TASK, error: { message: 'rate limited', code: '429' } },
        })
        .decision();
      given(started, created, completed)
        .when({ type: 'task.fail', data: { runId: RUN, taskId: TASK, error: { message: 'x' } } })
        .thenFails('CONFLICT', /already completed/);
      given(started, created, completed)
        .when({ type: 'task.complete', data: { runId: RUN, taskId: TASK } })
        .thenFails('CONFLICT');
    });
  });

  describe('run metadata commands', () => {
    it('renames, stars, unstars and archives; a change that changes nothing writes nothing', () => {
      given(started)
        .when({ type: 'run.rename', data: { runId: RUN, name: 'New' } })
        .then([{ type: 'RunRenamed', data: { runId: RUN, name: 'New' } }]);
      given(started)
        .when({ type: 'run.star', data: { runId: RUN, starred: true } })
        .then([{ type: 'RunStarred', data: { runId: RUN } }]);
      given(started, { type: 'RunStarred', data: { runId: RUN } })
        .when({ type: 'run.star', data: { runId: RUN, starred: true } })
        .then([]);
      given(started, { type: 'RunStarred', data: { runId: RUN } })
        .when({ type: 'run.star', data: { runId: RUN, starred: false } })
        .then([{ type: 'RunUnstarred', data: { runId: RUN } }]);
      given(started)
        .when({ type: 'run.archive', data: { runId: RUN } })
        .then([{ type: 'RunArchived', data: { runId: RUN } }]);
      given(started, { type: 'RunArchived', data: { runId: RUN } })
        .when({ type: 'run.archive', data: { runId: RUN } })
        .then([]);
    });

    it('deletes a run, after which it is NOT_FOUND', () => {
      given(started)
        .when({ type: 'run.delete', data: { runId: RUN } })
        .then([{ type: 'RunDeleted', data: { runId: RUN } }]);
      given(started, { type: 'RunDeleted', data: { runId: RUN } })
        .when({ type: 'run.rename', data: { runId: RUN, name: 'x' } })
        .thenFails('NOT_FOUND');
    });
  });

  describe('idempotency by commandId', () => {
    const first = recorded(
      { type: 'RunRenamed', data: { runId: RUN, name: 'A' } },
      { commandId: 'cmd-1', command: 'run.rename', payloadHash: 'h1' },
    );

    it('answers a retried command with its first ack and no events', () => {
      const spec = given(started, first).when(
        { type: 'run.rename', data: { runId: RUN, name: 'A' } },
        { commandId: 'cmd-1', payloadHash: 'h1' },
      );
      spec.then([]);
      spec.thenAck({});
    });

    it('refuses the same commandId with another payload', () =>
      given(started, first)
        .when(
          { type: 'run.rename', data: { runId: RUN, name: 'B' } },
          { commandId: 'cmd-1', payloadHash: 'h2' },
        )
        .thenFails('CONFLICT', /commandId/));

    it('rebuilds a completion ack from the stored event', () => {
      const done = recorded(completed, { commandId: 'cmd-2', command: 'task.complete', payloadHash: 'h' });
      given(started, created, done)
        .when(
          { type: 'task.complete', data: { runId: RUN, taskId: TASK } },
          { commandId: 'cmd-2', payloadHash: 'h' },
        )
        .thenAck({ cost: { amount: '0.002', priceId: 'p' }, tokensTotal: 2, usageSource: 'provider' });
    });
  });
});

describe('run decider: other users', () => {
  const RUN2 = '55555555-5555-4555-8555-555555555555';
  const theirs: NewEvent = {
    ...started,
    data: { ...started.data, runId: RUN2, userId: OTHER_USER },
  } as NewEvent;

  it("answers NOT_FOUND for another user's run, also for run.start with its id", () => {
    given(recorded(theirs, { userId: OTHER_USER }))
      .when({ type: 'run.start', data: { runId: RUN2, sourceType: 'chat', settings: {} } })
      .thenFails('NOT_FOUND');
  });

  it("never answers another user's remembered ack for their commandId", () => {
    const rename = recorded(
      { type: 'RunRenamed', data: { runId: RUN2, name: 'x' } },
      { userId: OTHER_USER, commandId: 'theirs', command: 'run.rename', payloadHash: 'h' },
    );
    given(recorded(theirs, { userId: OTHER_USER }), rename)
      .when(
        { type: 'run.rename', data: { runId: RUN2, name: 'x' } },
        { commandId: 'theirs', payloadHash: 'h' },
      )
      .thenFails('NOT_FOUND');
  });

  it("keeps the owner of an erased run from its tombstone: NOT_FOUND for others, CONFLICT for the owner's run.start", () => {
    const tombstone = recorded({ type: 'RunDeleted', data: { runId: RUN2 } }, { userId: OTHER_USER });
    given(tombstone)
      .when({ type: 'run.start', data: { runId: RUN2, sourceType: 'chat', settings: {} } })
      .thenFails('NOT_FOUND');
    given(tombstone)
      .when(
        { type: 'run.start', data: { runId: RUN2, sourceType: 'chat', settings: {} } },
        { userId: OTHER_USER },
      )
      .thenFails('CONFLICT');
  });
});
