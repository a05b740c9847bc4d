import { randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { Socket } from 'socket.io-client';
import { ProjectionHost } from '../apps/ledger/src/read/projection-host';
import { CHUNK_ROWS } from './support/chunk-rows';
import {
  TEST_JWT_SECRET,
  connectClient,
  ok,
  send,
  startTestLedger,
  taskPayload,
  type TestLedger,
} from './support/ledger-server';

const settings = { model: 'gpt-4o' };

describe('ledger rules over a real socket', () => {
  let t: TestLedger;
  let alice: Socket;
  let bob: Socket;
  const aliceId = randomUUID();

  beforeAll(async () => {
    t = await startTestLedger({ LEDGER_MAX_PAYLOAD_BYTES: '65536' });
    alice = await connectClient(t.url, t.token(aliceId));
    bob = await connectClient(t.url, t.token());
  });
  afterAll(async () => {
    alice?.close();
    bob?.close();
    await t?.close();
  });

  async function startRunWithTask(socket: Socket = alice) {
    const { runId } = await ok<{ runId: string }>(socket, 'run.start', { sourceType: 'chat', settings });
    const task = taskPayload(runId);
    await ok(socket, 'task.create', task);
    return { runId, taskId: task.taskId };
  }

  it('records a 4-task conversation in one stream, in order', async () => {
    const { runId } = await ok<{ runId: string }>(alice, 'run.start', {
      sourceType: 'chat',
      settings,
      name: 'Four questions',
    });
    for (let i = 0; i < 4; i++) {
      const task = { ...taskPayload(runId), userMessage: { content: `question ${i}` } };
      await ok(alice, 'task.create', task);
      await ok(alice, 'task.chunks', {
        runId,
        taskId: task.taskId,
        chunks: [
          { seq: 0, text: `answer ${i} `, offsetMs: 10 },
          { seq: 1, text: 'done', offsetMs: 20 },
        ],
      });
      await ok(alice, 'task.complete', {
        runId,
        taskId: task.taskId,
        usage: { inputTokens: 10, outputTokens: 2 },
      });
    }
    const { rows } = await t.pool.query(
      'SELECT type FROM events WHERE stream_id = $1 ORDER BY stream_revision',
      [`run-${runId}`],
    );
    expect(rows.map((r) => r.type)).toEqual([
      'RunStarted',
      ...Array.from({ length: 4 }, () => [
        'TaskCreated',
        'ChunksReceived', // a command's chunks are one event (schema 4)
        'TaskCompleted',
      ]).flat(),
    ]);
  });

  it('two clients appending to one run at once lose nothing', async () => {
    const { runId } = await ok<{ runId: string }>(alice, 'run.start', { sourceType: 'chat', settings });
    const second = await connectClient(t.url, t.token(aliceId));
    const tasks = [taskPayload(runId), taskPayload(runId)];
    await Promise.all([ok(alice, 'task.create', tasks[0]), ok(second, 'task.create', tasks[1])]);
    const stream = (socket: Socket, taskId: string) =>
      Promise.all(
        Array.from({ length: 200 }, (_, seq) =>
          ok(socket, 'task.chunk', { runId, taskId, seq, text: `${seq},`, offsetMs: seq }),
        ),
      );
    await Promise.all([stream(alice, tasks[0].taskId), stream(second, tasks[1].taskId)]);
    second.close();
    const { rows } = await t.pool.query(
      `SELECT data->>'taskId' AS task, count(*)::int AS n, string_agg(data->>'text', '' ORDER BY (data->>'seq')::int) AS text
       FROM ${CHUNK_ROWS} WHERE stream_id = $1 GROUP BY 1`,
      [`run-${runId}`],
    );
    const expected = Array.from({ length: 200 }, (_, i) => `${i},`).join('');
    expect(rows).toHaveLength(2);
    for (const r of rows) expect(r).toMatchObject({ n: 200, text: expected });
    const revisions = await t.pool.query(
      'SELECT stream_revision FROM events WHERE stream_id = $1 ORDER BY 1',
      [`run-${runId}`],
    );
    expect(revisions.rows.map((r) => Number(r.stream_revision))).toEqual(
      Array.from({ length: 403 }, (_, i) => i),
    );
  });

  it('enforces contiguous chunks: repeat ignored, gap and changed repeat refused, none after the end', async () => {
    const { runId, taskId } = await startRunWithTask();
    await ok(alice, 'task.chunk', { runId, taskId, seq: 0, text: 'a', offsetMs: 1 });
    expect(await ok(alice, 'task.chunk', { runId, taskId, seq: 0, text: 'a', offsetMs: 1 })).toEqual({
      seq: 0,
    });
    expect(await send(alice, 'task.chunk', { runId, taskId, seq: 0, text: 'b', offsetMs: 1 })).toMatchObject({
      ok: false,
      error: { code: 'CONFLICT' },
    });
    expect(await send(alice, 'task.chunk', { runId, taskId, seq: 2, text: 'c', offsetMs: 3 })).toMatchObject({
      ok: false,
      error: { code: 'CONFLICT' },
    });
    await ok(alice, 'task.complete', { runId, taskId, usage: { inputTokens: 1, outputTokens: 1 } });
    expect(await ok(alice, 'task.chunk', { runId, taskId, seq: 0, text: 'a', offsetMs: 1 })).toEqual({
      seq: 0,
    });
    expect(
      await send(alice, 'task.chunk', { runId, taskId, seq: 1, text: 'late', offsetMs: 9 }),
    ).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
    expect(await send(alice, 'task.complete', { runId, taskId })).toMatchObject({
      ok: false,
      error: { code: 'CONFLICT' },
    });
    expect(await send(alice, 'task.fail', { runId, taskId, error: { message: 'x' } })).toMatchObject({
      ok: false,
      error: { code: 'CONFLICT' },
    });
  });

  it('task.chunks acks its highest seq, and a retry with its commandId gets that ack again', async () => {
    const { runId, taskId } = await startRunWithTask();
    await ok(alice, 'task.chunk', { runId, taskId, seq: 0, text: 'a', offsetMs: 1 });
    // A new chunk, then a repeat of the stored one: the batch's highest seq is 1 wherever it stands.
    const batch = {
      commandId: randomUUID(),
      runId,
      taskId,
      chunks: [
        { seq: 1, text: 'b', offsetMs: 2 },
        { seq: 0, text: 'a', offsetMs: 1 },
      ],
    };
    expect(await ok(alice, 'task.chunks', batch)).toEqual({ lastSeq: 1 });
    expect(await ok(alice, 'task.chunks', batch)).toEqual({ lastSeq: 1 });
  });

  it('run.get right after an acknowledged run.delete is NOT_FOUND, before the projector erased the rows', async () => {
    const { runId } = await startRunWithTask();
    expect((await ok<{ run: { id: string } }>(alice, 'run.get', { runId })).run.id).toBe(runId);
    // With the projector stopped the rows still hold the run: the answer cannot come from its catching up.
    const projector = t.ledger.app.get(ProjectionHost).projector;
    await projector.stop();
    try {
      expect(await send(alice, 'run.delete', { runId })).toEqual({ ok: true, data: {} });
      expect(await send(alice, 'run.get', { runId })).toMatchObject({
        ok: false,
        error: { code: 'NOT_FOUND' },
      });
    } finally {
      await projector.start();
    }
  });

  it('a task on a missing run, or a chunk on a missing task, is NOT_FOUND', async () => {
    expect(await send(alice, 'task.create', taskPayload(randomUUID()))).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND' },
    });
    const { runId } = await startRunWithTask();
    expect(
      await send(alice, 'task.chunk', { runId, taskId: randomUUID(), seq: 0, text: 'x', offsetMs: 0 }),
    ).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND' },
    });
  });

  it("another user's run is NOT_FOUND for every write command, and nothing is written", async () => {
    const { runId, taskId } = await startRunWithTask(alice);
    const attempts: Array<[string, unknown]> = [
      ['task.create', taskPayload(runId)],
      ['task.chunk', { runId, taskId, seq: 0, text: 'x', offsetMs: 0 }],
      ['task.chunks', { runId, taskId, chunks: [{ seq: 0, text: 'x', offsetMs: 0 }] }],
      ['task.complete', { runId, taskId }],
      ['task.fail', { runId, taskId, error: { message: 'x' } }],
      ['run.rename', { runId, name: 'mine now' }],
      ['run.star', { runId, starred: true }],
      ['run.archive', { runId }],
      ['run.delete', { runId }],
      ['run.subscribe', { runId }],
      ['run.replay', { runId }],
    ];
    for (const [name, payload] of attempts) {
      const ack = await send(bob, name, payload);
      expect([name, ack]).toEqual([
        name,
        { ok: false, error: expect.objectContaining({ code: 'NOT_FOUND' }) },
      ]);
    }
    const { rows } = await t.pool.query('SELECT count(*)::int AS n FROM events WHERE stream_id = $1', [
      `run-${runId}`,
    ]);
    expect(rows[0].n).toBe(2);
  });

  it('refuses a connection without a valid token with UNAUTHORIZED', async () => {
    const user = randomUUID();
    const tokens: Array<string | undefined> = [
      undefined,
      'not-a-jwt',
      jwt.sign({ sub: user }, 'a-different-secret-entirely'),
      jwt.sign({ sub: user, exp: Math.floor(Date.now() / 1000) - 60 }, TEST_JWT_SECRET),
      jwt.sign({ sub: 'not-a-uuid' }, TEST_JWT_SECRET),
      `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: user })).toString('base64url')}.`,
    ];
    for (const token of tokens) {
      await expect(connectClient(t.url, token)).rejects.toMatchObject({ message: 'UNAUTHORIZED' });
    }
  });

  it('answers at least 20 kinds of malformed payloads with VALIDATION and keeps serving', async () => {
    const { runId, taskId } = await startRunWithTask();
    const longString = 'x'.repeat(70_000);
    let deep: Record<string, unknown> = {};
    for (let i = 0; i < 60; i++) deep = { d: deep };
    const cases: Array<[string, unknown]> = [
      ['run.start', undefined],
      ['run.start', 'a string'],
      ['run.start', [1, 2]],
      ['run.start', { settings }],
      ['run.start', { sourceType: 5, settings }],
      ['run.start', { sourceType: 'chat', settings: 'nope' }],
      ['run.start', { sourceType: 'chat', settings, runId: 'not-a-uuid' }],
      ['run.start', { sourceType: 'chat', settings, nmae: 'typo' }],
      ['run.start', JSON.parse('{"sourceType":"chat","settings":{},"__proto__":{"admin":true}}')],
      ['run.start', { sourceType: 'chat', settings: { constructor: 1 } }],
      ['run.start', { sourceType: 'chat', settings: { a: { prototype: 1 } } }],
      ['run.start', { sourceType: 'chat', settings: deep }],
      ['run.start', { sourceType: 'chat', settings, commandId: 'abc' }],
      ['task.chunk', { runId, taskId, seq: -1, text: 'x', offsetMs: 0 }],
      ['task.chunk', { runId, taskId, seq: 1.5, text: 'x', offsetMs: 0 }],
      ['task.chunk', { runId, taskId, seq: 0, text: 'x' }],
      ['task.chunk', { runId, taskId, seq: 0, text: 'x', offsetMs: -5 }],
      ['task.chunk', { runId, taskId, seq: 0, offsetMs: 0 }],
      ['task.chunk', { runId, taskId, seq: 0, kind: 'video', text: 'x', offsetMs: 0 }],
      ['task.chunk', { runId, taskId, seq: 0, kind: 'tool', text: 'x', offsetMs: 0 }],
      ['task.chunk', { runId, taskId, seq: 0, text: 'nul \u0000 char', offsetMs: 0 }],
      ['task.chunks', { runId, taskId, chunks: [] }],
      ['task.complete', { runId, taskId, usage: { inputTokens: -1, outputTokens: 0 } }],
      ['task.complete', { runId, taskId, usage: { inputTokens: 1.5, outputTokens: 0 } }],
      [
        'task.complete',
        { runId, taskId, usage: { inputTokens: 10, outputTokens: 5, cachedInputTokens: 11 } },
      ],
      ['task.complete', { runId, taskId, usage: { inputTokens: 10, outputTokens: 5, reasoningTokens: 6 } }],
      ['task.complete', { runId, taskId, usage: { inputTokens: 10, outputTokens: 5, totalTokens: 99 } }],
      ['task.fail', { runId, taskId, error: {} }],
      ['run.star', { runId, starred: 'yes' }],
      ['run.rename', { runId, name: '   ' }],
      ['runs.list', { limit: 0 }],
      ['runs.list', { limit: 500 }],
      ['run.replay', { runId, speed: -1 }],
      ['run.at', { runId, version: 1, at: new Date().toISOString() }],
      ['usage.summary', { groupBy: 'week' }],
      ['task.create', { ...taskPayload(runId), requestData: [] }],
      ['task.create', { ...taskPayload(runId), userMessage: { content: 5 } }],
      ['run.start', { sourceType: 'chat', settings: { big: longString }, extra: true }],
    ];
    expect(cases.length).toBeGreaterThanOrEqual(20);
    for (const [name, payload] of cases) {
      const ack = await send(alice, name, payload);
      expect([name, payload === undefined ? 'undefined' : 'payload', ack]).toEqual([
        name,
        payload === undefined ? 'undefined' : 'payload',
        { ok: false, error: expect.objectContaining({ code: 'VALIDATION', message: expect.any(String) }) },
      ]);
    }
    expect(alice.connected).toBe(true);
    await ok(alice, 'task.chunk', { runId, taskId, seq: 0, text: 'still serving', offsetMs: 1 });
  });

  it('answers an event that is no command VALIDATION (an ack for every emit with one), and keeps serving', async () => {
    const { runId } = await startRunWithTask();
    expect(await send(alice, 'run.foo', { runId })).toEqual({
      ok: false,
      error: { code: 'VALIDATION', message: 'unknown command run.foo' },
    });
    expect(await alice.timeout(30_000).emitWithAck('no.payload')).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION' },
    });
    // The name is echoed cut short, whatever its length.
    const long = await send(alice, `x${'y'.repeat(10_000)}`, {});
    expect(long).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    expect(!long.ok && long.error.message.length).toBeLessThan(200);
    alice.emit('run.bar', { runId }); // no ack asked: nothing to answer
    expect(alice.connected).toBe(true);
    expect((await ok<{ run: { id: string } }>(alice, 'run.get', { runId })).run.id).toBe(runId);
  });

  it('answers PAYLOAD_TOO_LARGE for a valid payload over the limit, and the connection stays open', async () => {
    const ack = await send(alice, 'run.start', {
      sourceType: 'chat',
      settings: { blob: 'y'.repeat(70_000) },
    });
    expect(ack).toMatchObject({ ok: false, error: { code: 'PAYLOAD_TOO_LARGE' } });
    expect(alice.connected).toBe(true);
    await ok(alice, 'run.start', { sourceType: 'chat', settings });
  });

  it('refuses admin commands without the admin role', async () => {
    expect(await send(alice, 'projections.status', {})).toMatchObject({
      ok: false,
      error: { code: 'FORBIDDEN' },
    });
    expect(await send(alice, 'projections.rebuild', {})).toMatchObject({
      ok: false,
      error: { code: 'FORBIDDEN' },
    });
  });

  it('refuses a commandId reused for a different command or run with CONFLICT', async () => {
    const commandId = randomUUID();
    const { runId } = await ok<{ runId: string }>(alice, 'run.start', {
      commandId,
      sourceType: 'chat',
      settings,
    });
    expect(await send(alice, 'run.start', { commandId, sourceType: 'prompt', settings })).toMatchObject({
      ok: false,
      error: { code: 'CONFLICT' },
    });
    expect(await send(alice, 'run.rename', { commandId, runId, name: 'x' })).toMatchObject({
      ok: false,
      error: { code: 'CONFLICT' },
    });
  });
});
