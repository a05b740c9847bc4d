import WebSocket from 'ws';
import type { Socket } from 'socket.io-client';
import type { Ack } from '@ledger/contract';
import { connectClient, send, startTestLedger, type TestLedger } from '../support/ledger-server';

/**
 * The transport's limits (docs/security.md "Transport"), over real sockets: size checks before parsing, refused
 * handshakes closed, one rate budget per user across its sockets, socket caps, weighted commands.
 */

/** A raw engine.io client over a WebSocket: what an attacker speaks, below socket.io-client's manners. */
class RawClient {
  readonly messages: string[] = [];
  readonly closed: Promise<void>;
  private readonly ws: WebSocket;
  private constructor(url: string) {
    this.ws = new WebSocket(`${url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`);
    this.ws.on('message', (data) => {
      const text = String(data);
      if (text === '2') return this.ws.send('3'); // engine.io ping → pong
      if (text.startsWith('4')) this.messages.push(text.slice(1)); // a socket.io packet
    });
    this.closed = new Promise((resolve) => this.ws.once('close', () => resolve()));
  }
  /** Resolves once the engine.io handshake (`0{sid…}`) arrived. */
  static open(url: string): Promise<RawClient> {
    const client = new RawClient(url);
    return new Promise((resolve, reject) => {
      client.ws.once('message', () => resolve(client));
      client.ws.once('error', reject);
    });
  }
  /** Sends one socket.io packet (`0` CONNECT, `2` EVENT…) as an engine.io message. */
  send(packet: string): void {
    this.ws.send(`4${packet}`);
  }
  close(): void {
    this.ws.close();
  }
}

/** Calls of JSON.parse on strings longer than `chars`, while `action` runs (a spy that calls through). */
async function bigParses(chars: number, action: () => Promise<unknown>): Promise<number> {
  const spy = jest.spyOn(JSON, 'parse');
  try {
    await action();
    return spy.mock.calls.filter(([text]) => typeof text === 'string' && text.length > chars).length;
  } finally {
    spy.mockRestore();
  }
}

/** Polls `predicate` until it holds (every 10 ms, at most 10 s): for a state the server reaches on its own. */
async function until(predicate: () => boolean, what: string): Promise<void> {
  for (let i = 0; !predicate(); i++) {
    if (i >= 1000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const LIMIT = 65536;

describe('frames: size before parsing, handshakes', () => {
  let t: TestLedger;
  let socket: Socket;
  beforeAll(async () => {
    // A long connect timeout, so that a close seen here is the refusal's, not the timeout's.
    t = await startTestLedger({
      LEDGER_MAX_PAYLOAD_BYTES: String(LIMIT),
      LEDGER_CONNECT_TIMEOUT_MS: '120000',
    });
    socket = await connectClient(t.url, t.token());
  });
  afterAll(async () => {
    socket?.close();
    await t?.close();
  });

  it('answers a payload far over the limit PAYLOAD_TOO_LARGE without parsing it, and keeps the socket open', async () => {
    const payload = { sourceType: 'chat', settings: { blob: 'x'.repeat(LIMIT * 2.5) } };
    const bytes = Buffer.byteLength(JSON.stringify(payload));
    let ack: Ack<unknown> | undefined;
    const parsed = await bigParses(LIMIT, async () => (ack = await send(socket, 'run.start', payload)));
    expect(ack).toEqual({
      ok: false,
      error: {
        code: 'PAYLOAD_TOO_LARGE',
        message: expect.any(String),
        details: { size: bytes, limit: LIMIT },
      },
    });
    expect(parsed).toBe(0);
    expect(socket.connected).toBe(true);
    expect((await send(socket, 'runs.list', {})).ok).toBe(true);
  });

  it('keeps the order VALIDATION, then PAYLOAD_TOO_LARGE, for a payload just over the limit', async () => {
    const over = { sourceType: 'chat', settings: { blob: 'é'.repeat(LIMIT / 2) } }; // parsed: LIMIT chars
    expect(await send(socket, 'run.start', over)).toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE' } });
    expect(await send(socket, 'run.start', { ...over, typo: 1 })).toMatchObject({
      error: { code: 'VALIDATION' },
    });
    expect(socket.connected).toBe(true);
  });

  it('closes a connection that sends a big frame before its handshake, without parsing it', async () => {
    const raw = await RawClient.open(t.url);
    const parsed = await bigParses(100_000, async () => {
      raw.send(`0${JSON.stringify({ token: 'x'.repeat(200_000) })}`);
      await raw.closed;
    });
    expect(parsed).toBe(0);
    expect(raw.messages).toEqual([]);
  });

  it('closes the connection after a refused handshake, once the connect_error is written', async () => {
    const raw = await RawClient.open(t.url);
    raw.send(`0${JSON.stringify({ token: 'not-a-jwt' })}`);
    // Retries on the same connection once refused: an open connection would answer it a second time.
    await until(() => raw.messages.length > 0, 'the connect_error');
    raw.send(`0${JSON.stringify({ token: 'still-not-a-jwt' })}`);
    await raw.closed;
    expect(raw.messages.map((m) => JSON.parse(m.slice(1)) as unknown)).toEqual([{ message: 'UNAUTHORIZED' }]);
  });

  it('closes only the connection that sends a malformed packet after its handshake; the server serves on', async () => {
    const raw = await RawClient.open(t.url);
    raw.send(`0${JSON.stringify({ token: t.token() })}`);
    await until(() => raw.messages.length > 0, 'the handshake answer');
    expect(raw.messages[0]).toMatch(/^0\{"sid":/);
    raw.send('2["runs.list",{');
    await raw.closed;
    expect(socket.connected).toBe(true);
    expect((await send(socket, 'runs.list', {})).ok).toBe(true);
  });

  it('closes a connection that does not complete its handshake within LEDGER_CONNECT_TIMEOUT_MS', async () => {
    const quick = await startTestLedger({ LEDGER_CONNECT_TIMEOUT_MS: '200' });
    try {
      const raw = await RawClient.open(quick.url);
      await raw.closed;
      expect(raw.messages).toEqual([]);
    } finally {
      await quick.close();
    }
  });
});

describe('rate limit: one budget per user, weighted commands', () => {
  let t: TestLedger;
  const sockets: Socket[] = [];
  beforeAll(async () => {
    // 50 points per 50 s window: no refill while a test runs, so every count is exact.
    t = await startTestLedger({ LEDGER_RATE_LIMIT: '1', LEDGER_RATE_BURST: '50' });
  });
  afterAll(async () => {
    sockets.forEach((s) => s.close());
    await t?.close();
  });
  const connect = async (token: string) => {
    const s = await connectClient(t.url, token);
    sockets.push(s);
    return s;
  };
  const isLimited = (a: Ack<unknown>) => !a.ok && a.error.code === 'RATE_LIMITED';

  it('shares one budget among the 20 sockets of a user, and leaves another user unaffected', async () => {
    const token = t.token();
    const mine = await Promise.all(Array.from({ length: 20 }, () => connect(token)));
    const acks = (
      await Promise.all(
        mine.map((s) => Promise.all(Array.from({ length: 10 }, () => send(s, 'runs.list', {})))),
      )
    ).flat();
    const served = acks.filter((a) => a.ok).length;
    console.log(`rate limit: 20 sockets × 10 commands of one user at a budget of 50 -> ${served} served`);
    expect(served).toBe(50);
    expect(acks.filter(isLimited)).toHaveLength(150);
    expect(acks.find(isLimited)).toMatchObject({
      error: { details: { cost: 1, retryAfterMs: expect.any(Number) } },
    });
    expect(mine.every((s) => s.connected)).toBe(true);

    const other = await connect(t.token());
    for (let i = 0; i < 40; i++) expect((await send(other, 'runs.list', {})).ok).toBe(true);
  });

  it('charges a costly command its weight (usage.summary: 10 points)', async () => {
    const s = await connect(t.token());
    for (let i = 0; i < 4; i++) expect((await send(s, 'usage.summary', { groupBy: 'day' })).ok).toBe(true);
    // 40 of the 50 points spent: ten plain commands are left.
    const acks: Ack<unknown>[] = [];
    for (let i = 0; i < 20; i++) acks.push(await send(s, 'runs.list', {}));
    expect(acks.filter((a) => a.ok)).toHaveLength(10);
    expect(acks.filter(isLimited)).toHaveLength(10);
  });

  it('charges a refused command one point, and refuses a costly one whose weight is beyond the budget', async () => {
    const s = await connect(t.token());
    for (let i = 0; i < 45; i++)
      expect(await send(s, 'usage.summary', { groupBy: 'week' })).toMatchObject({
        error: { code: 'VALIDATION' },
      });
    expect(await send(s, 'usage.summary', { groupBy: 'day' })).toMatchObject({
      error: { code: 'RATE_LIMITED', details: { cost: 10 } },
    });
  });

  it('charges an event that is no command one point, so unknown names cannot flood the server', async () => {
    const s = await connect(t.token());
    for (let i = 0; i < 50; i++)
      expect(await send(s, `unknown.${i}`, {})).toMatchObject({ error: { code: 'VALIDATION' } });
    expect(await send(s, 'unknown.more', {})).toMatchObject({ error: { code: 'RATE_LIMITED' } });
    expect(await send(s, 'runs.list', {})).toMatchObject({ error: { code: 'RATE_LIMITED' } });
    expect(s.connected).toBe(true);
  });
});

describe('socket caps per user and per address', () => {
  let t: TestLedger;
  const sockets: Socket[] = [];
  beforeAll(async () => {
    t = await startTestLedger({ LEDGER_MAX_SOCKETS_PER_USER: '3', LEDGER_MAX_SOCKETS_PER_ADDRESS: '5' });
  });
  const live = () => t.ledger.gateway.server.sockets.sockets.size;
  afterEach(async () => {
    sockets.splice(0).forEach((s) => s.close());
    await until(() => live() === 0, 'the server to see every socket closed');
  });
  afterAll(async () => t?.close());
  const connect = async (token: string) => {
    const s = await connectClient(t.url, token);
    sockets.push(s);
    return s;
  };
  const refusal = (token: string) =>
    connectClient(t.url, token).then(
      (s) => (sockets.push(s), null),
      (e: Error & { data?: unknown }) => ({ message: e.message, data: e.data }),
    );

  it('refuses the user’s 4th socket TOO_MANY_CONNECTIONS, serves another user, and frees the slot on close', async () => {
    const token = t.token();
    const three = [await connect(token), await connect(token), await connect(token)];
    expect(await refusal(token)).toEqual({
      message: 'TOO_MANY_CONNECTIONS',
      data: { scope: 'user', limit: 3 },
    });
    const other = await connect(t.token());
    expect((await send(other, 'runs.list', {})).ok).toBe(true);
    expect(three.every((s) => s.connected)).toBe(true);

    three[0].close();
    await until(() => live() === 3, 'the server to see the socket closed');
    expect((await connect(token)).connected).toBe(true);
  });

  it('refuses the 6th socket from one address TOO_MANY_CONNECTIONS, whoever its user', async () => {
    for (let i = 0; i < 5; i++) await connect(t.token());
    expect(await refusal(t.token())).toEqual({
      message: 'TOO_MANY_CONNECTIONS',
      data: { scope: 'address', limit: 5 },
    });
  });
});
