import type { Socket } from 'socket.io-client';
import type { AckData } from '@ledger/contract';
import { connectClient, ok, send, startTestLedger, type TestLedger } from '../support/ledger-server';
import { newTask, settings } from './helpers';

/** Finding 6 (issue 12), over a real socket: text PostgreSQL cannot store is refused at the edge. */
describe('text PostgreSQL cannot store', () => {
  let t: TestLedger;
  let socket: Socket;

  beforeAll(async () => {
    t = await startTestLedger();
    socket = await connectClient(t.url, t.token());
  });
  afterAll(async () => {
    socket?.close();
    await t?.close();
  });

  it('a first message with an emoji at index 59 is recorded, and names the run with the whole emoji', async () => {
    const { runId } = await ok<{ runId: string }>(socket, 'run.start', { sourceType: 'chat', settings });
    const content = `${'a'.repeat(59)}😀 is the 60th character`;
    await ok(socket, 'task.create', { ...newTask(runId), userMessage: { content } });
    const { run } = await ok<AckData['run.get']>(socket, 'run.get', { runId });
    expect(run.name).toBe(`${'a'.repeat(59)}😀`);
    expect(run.messages[0].content).toBe(content);
  });

  it.each([
    ['NUL in a key', { 'a\u0000b': 1 }, /keys may not contain the NUL character/],
    ['a lone surrogate in a key', { 'a\ud83d': 1 }, /keys may not contain a lone surrogate/],
    ['a lone surrogate in a string', { a: 'x\ude00' }, /strings may not contain a lone surrogate/],
  ])('%s is refused with VALIDATION by the edge, and nothing is written', async (_, bad, message) => {
    const before = await t.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM events');
    const ack = await send(socket, 'run.start', { sourceType: 'chat', settings: { nested: [bad] } });
    expect(ack).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    expect(!ack.ok && ack.error.message).toMatch(message);
    expect(!ack.ok && ack.error.details).toMatchObject({
      path: expect.stringMatching(/^settings\.nested\.0\./),
    });
    const after = await t.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM events');
    expect(after.rows[0].n).toBe(before.rows[0].n);
  });
});
