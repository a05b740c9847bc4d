import { FakeLedger } from '../test/fake-ledger';
import { LedgerClientError } from './errors';
import { connectLedger, type LedgerClient } from './ledger-client';

const settings = { model: 'gpt-4o' };
const taskInput = {
  service: 'chat',
  taskName: 'answer',
  provider: 'openai',
  endpoint: '/v1/chat/completions',
  model: 'gpt-4o',
  requestData: {},
};

describe('LedgerClient delivery (against an in-process socket.io ledger)', () => {
  let server: FakeLedger;
  let client: LedgerClient;
  let clock: number;
  const errors: LedgerClientError[] = [];
  const connect = (extra: Partial<Parameters<typeof connectLedger>[0]> = {}) =>
    connectLedger({
      url: server.url,
      token: 'good',
      now: () => clock,
      onError: (e) => errors.push(e),
      socketOptions: { transports: ['websocket'], reconnectionDelay: 10, reconnectionDelayMax: 50 },
      ...extra,
    });

  beforeEach(async () => {
    server = await FakeLedger.start();
    clock = 1_000;
    errors.length = 0;
    client = connect();
  });
  afterEach(async () => {
    await client.close().catch(() => undefined);
    await server.close();
  });

  it('numbers chunks, stamps their offsets from createTask on the monotonic clock and sends them in batches of maxBatch', async () => {
    const run = await client.startRun({ sourceType: 'chat', settings });
    const task = await run.createTask(taskInput);
    for (let i = 0; i < 120; i++) {
      clock += 2;
      task.chunk(`t${i}`);
    }
    await client.flush();

    const batches = server.received
      .filter((c) => c.name === 'task.chunks')
      .map((c) => c.payload.chunks as Array<{ seq: number; offsetMs: number }>);
    expect(batches.map((b) => b.length)).toEqual([50, 50, 20]);
    const written = server.chunks.get(task.taskId)!;
    expect(written.map((c) => c.seq)).toEqual([...Array(120).keys()]);
    expect(written.map((c) => c.offsetMs)).toEqual([...Array(120).keys()].map((i) => 2 * (i + 1)));
    expect(new Set(server.received.map((c) => c.payload.commandId)).size).toBe(server.received.length);
  });

  it('sends a partial batch after flushIntervalMs without being asked', async () => {
    const run = await client.startRun({ sourceType: 'chat', settings });
    const task = await run.createTask(taskInput);
    const arrived = server.next((c) => c.name === 'task.chunks');
    task.chunk('lonely');
    expect((await arrived).payload.chunks).toEqual([{ seq: 0, text: 'lonely', offsetMs: 0 }]);
  });

  it("gathers a task's chunks while its last batch is unacked and sends them as one batch once it is", async () => {
    await client.close();
    client = connect({ ackTimeoutMs: 300 });
    const [slow, other] = await Promise.all([
      client.startRun({ sourceType: 'chat', settings }).then((r) => r.createTask(taskInput)),
      client.startRun({ sourceType: 'chat', settings }).then((r) => r.createTask(taskInput)),
    ]);
    let dropped = false;
    server.beforeAck = (command) => {
      if (command.name !== 'task.chunks' || command.payload.taskId !== slow.taskId || dropped) return;
      dropped = true;
      return 'drop'; // its ack is lost: the SDK sends it again after ackTimeoutMs
    };
    const text = (c: { payload: Record<string, unknown> }) =>
      (c.payload.chunks as Array<{ text: string }>).map((x) => x.text);
    const sent = (t: string) => server.next((c) => c.name === 'task.chunks' && text(c).includes(t));
    const first = sent('a');
    slow.chunk('a');
    await first;
    // The other task's batches are the clock: each one's flush timer fires after the slow task's, set just before.
    for (const [t, x] of [
      ['b', 'x1'],
      ['c', 'x2'],
    ]) {
      const tick = sent(x);
      slow.chunk(t);
      other.chunk(x);
      await tick;
    }
    slow.chunk('d');
    await slow.flush();
    const batches = server.received
      .filter((c) => c.name === 'task.chunks' && c.payload.taskId === slow.taskId)
      .map(text);
    expect(batches).toEqual([['a'], ['a'], ['b', 'c', 'd']]);
  });

  it('resends the unacked commands, in order and with the same commandIds, after the server kills the socket', async () => {
    const run = await client.startRun({ sourceType: 'chat', settings });
    const task = await run.createTask(taskInput);
    let killedOn: string | undefined;
    server.beforeAck = (command, socket) => {
      if (command.name !== 'task.chunks' || killedOn) return;
      if ((command.payload.chunks as Array<{ seq: number }>)[0].seq !== 100) return;
      killedOn = command.payload.commandId as string; // recorded, but the ack is lost with the socket
      socket.disconnect(true);
      return 'drop';
    };
    for (let i = 0; i < 300; i++) task.chunk(`${i},`);
    const ack = await task.complete();

    expect(ack.tokensTotal).toBe(3);
    expect(server.received.filter((c) => c.payload.commandId === killedOn)).toHaveLength(2);
    expect(
      server.chunks
        .get(task.taskId)!
        .map((c) => c.text)
        .join(''),
    ).toBe([...Array(300).keys()].map((i) => `${i},`).join(''));
    expect(server.received.at(-1)!.name).toBe('task.complete');
  });

  it('reports a refused chunk batch on complete(), flush() and onError, and lets the task be failed', async () => {
    const run = await client.startRun({ sourceType: 'chat', settings });
    const task = await run.createTask(taskInput);
    server.beforeAck = (c) =>
      c.name === 'task.chunks' ? { code: 'PAYLOAD_TOO_LARGE', message: 'too big' } : undefined;
    task.chunk('x');

    await expect(task.complete()).rejects.toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
      command: 'task.chunks',
    });
    expect(errors.map((e) => e.code)).toEqual(['PAYLOAD_TOO_LARGE']);
    await expect(task.fail(new Error('chunks refused'))).resolves.toMatchObject({ tokensTotal: 3 });
    expect(server.received.map((c) => c.name)).not.toContain('task.complete');

    const other = await run.createTask(taskInput);
    other.chunk('y');
    await expect(client.flush()).rejects.toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    await expect(client.flush()).resolves.toBeUndefined(); // reported once
  });

  it('refuses an invalid payload with VALIDATION before sending it', async () => {
    const run = await client.startRun({ sourceType: 'chat', settings });
    await expect(run.createTask({ ...taskInput, model: '' })).rejects.toMatchObject({
      code: 'VALIDATION',
      command: 'task.create',
    });
    const task = await run.createTask(taskInput);
    expect(() => task.chunk({ kind: 'tool', text: 'no payload' })).toThrow(LedgerClientError);
    // A plain text chunk is checked without the schema, to the same bounds: an offset past the largest is refused.
    clock += 1e12 + 1;
    expect(() => task.chunk('too late')).toThrow(
      expect.objectContaining({ code: 'VALIDATION', command: 'task.chunks' }),
    );
    expect(server.received.map((c) => c.name)).toEqual(['run.start', 'task.create']);
  });

  it('rejects a refused token with UNAUTHORIZED', async () => {
    const stranger = connect({ token: 'bad' });
    await expect(stranger.startRun({ sourceType: 'chat', settings })).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
    });
    await stranger.close().catch(() => undefined);
  });

  it('gives up with UNAVAILABLE once the server has been away for maxOfflineMs, and bounds the buffer', async () => {
    await client.close();
    const offline = connect({ maxOfflineMs: 200, maxBufferedCommands: 2, url: 'http://127.0.0.1:9' });
    const first = offline.startRun({ sourceType: 'chat', settings });
    const second = offline.startRun({ sourceType: 'chat', settings });
    await expect(offline.startRun({ sourceType: 'chat', settings })).rejects.toMatchObject({
      code: 'UNAVAILABLE',
    });
    await expect(first).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await expect(second).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await offline.close().catch(() => undefined);
  });

  it('renews subscriptions after a reconnect', async () => {
    const run = await client.startRun({ sourceType: 'chat', settings });
    await client.subscribe(run.id, {});
    const renewed = server.next((c) => c.name === 'run.subscribe');
    server.killSockets();
    expect((await renewed).payload).toEqual({ runId: run.id });
  });

  it('lists runs again after a reconnect once it has listed them (the runs list pushes go to such a socket)', async () => {
    await client.listRuns({ archived: false });
    const listed = server.next((c) => c.name === 'runs.list');
    server.killSockets();
    expect((await listed).payload).toEqual({ limit: 1 });
  });
});

describe('LedgerClient.command (commands newer than the SDK)', () => {
  let server: FakeLedger;
  let client: LedgerClient;
  beforeEach(async () => {
    server = await FakeLedger.start();
    client = connectLedger({ url: server.url, token: 'good', socketOptions: { transports: ['websocket'] } });
  });
  afterEach(async () => {
    await client.close().catch(() => undefined);
    await server.close();
  });

  it('sends a command it has no schema for as given, and resolves with its data', async () => {
    await expect(client.command('example.future', { provider: 'openai' })).resolves.toEqual({});
    expect(server.received).toContainEqual({ name: 'example.future', payload: { provider: 'openai' } });
  });

  it('refuses with UNAVAILABLE, after one attempt, when a server that does not know the command never answers', async () => {
    server.beforeAck = (c) => (c.name === 'example.unknown' ? 'drop' : undefined);
    await expect(client.command('example.unknown', {}, { timeoutMs: 200 })).rejects.toMatchObject({
      code: 'UNAVAILABLE',
    });
    expect(server.received.filter((c) => c.name === 'example.unknown')).toHaveLength(1);
  });

  it('validates a command it knows before sending it', async () => {
    await expect(client.command('runs.list', { limit: 0 })).rejects.toMatchObject({ code: 'VALIDATION' });
    expect(server.received.filter((c) => c.name === 'runs.list')).toHaveLength(0);
  });
});
