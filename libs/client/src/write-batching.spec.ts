import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo, Socket as TcpSocket } from 'node:net';
import { Server } from 'socket.io';
import { io as connect, type Socket as ClientSocket } from 'socket.io-client';
import { countTcpWrites } from '../../../test/support/tcp-writes';
import { Connection } from './connection';
import { corkEachTurn, type EngineConnection } from './write-batching';

/** A real socket.io server and client over loopback TCP; the client side's TCP writes are counted. */
describe('corkEachTurn', () => {
  let http: HttpServer;
  let server: Server;
  let client: ClientSocket;
  let got: number[];
  let arrived: () => void;

  async function connected(cork: boolean): Promise<() => number> {
    client = connect(`http://127.0.0.1:${(http.address() as AddressInfo).port}`, {
      transports: ['websocket'],
    });
    if (cork) client.io.on('open', () => corkEachTurn(client.io.engine as unknown as EngineConnection));
    await new Promise<void>((resolve) => client.once('connect', () => resolve()));
    return countTcpWrites(
      (client.io.engine.transport as unknown as { ws: { _socket: TcpSocket } }).ws._socket,
    );
  }

  /** 200 commands emitted in one turn, as the flushes of many tasks falling due together; resolves when all arrived. */
  async function burst(): Promise<number[]> {
    got = [];
    const all = new Promise<void>((resolve) => (arrived = resolve));
    for (let n = 0; n < 200; n++) client.emit('n', n);
    await all;
    return got;
  }

  beforeEach(async () => {
    http = createServer();
    server = new Server(http);
    server.on('connection', (socket) =>
      socket.on('n', (n: number) => {
        got.push(n);
        if (got.length === 200) arrived();
      }),
    );
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  });
  afterEach(async () => {
    client.close();
    await server.close();
  });

  it('sends a turn’s packets in a few TCP writes, in order, where each went in its own', async () => {
    const plain = await connected(false);
    expect(await burst()).toEqual([...Array(200).keys()]);
    const unbatched = plain();
    client.close();

    const batched = await connected(true);
    expect(await burst()).toEqual([...Array(200).keys()]);
    expect(unbatched).toBeGreaterThanOrEqual(100);
    expect(batched()).toBeLessThanOrEqual(3);
  });

  it('is how a Connection writes, on its first connection and on each after a reconnect', async () => {
    server.removeAllListeners('connection');
    const acked: number[] = [];
    server.on('connection', (socket) =>
      socket.on('task.chunk', (payload: { n: number }, ack: (a: unknown) => void) => {
        acked.push(payload.n);
        ack({ ok: true, data: {} });
      }),
    );
    const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    const conn = new Connection({
      url,
      token: 't',
      maxOfflineMs: 60_000,
      socketOptions: { reconnectionDelay: 10 },
    });
    const socket = (conn as unknown as { socket: ClientSocket }).socket;
    client = socket; // closed after the test
    // The client connects over HTTP long-polling and upgrades to a websocket (its default): count once upgraded.
    const writesOf = async () => {
      const engine = socket.io.engine;
      if (engine.transport.name !== 'websocket')
        await new Promise((resolve) => engine.once('upgrade', resolve));
      return countTcpWrites((engine.transport as unknown as { ws: { _socket: TcpSocket } }).ws._socket);
    };
    const turn = async (from: number) => {
      const sends = Array.from({ length: 200 }, (_, i) =>
        conn.send('task.chunk', { n: from + i } as never, 5_000),
      );
      await Promise.all(sends);
    };

    await conn.waitConnected();
    const first = await writesOf();
    await turn(0);
    expect(first()).toBeLessThanOrEqual(3);

    const reconnected = new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    for (const s of server.sockets.sockets.values()) s.conn.close(); // the transport drops; the client reconnects
    await reconnected;
    const second = await writesOf();
    await turn(200);
    expect(second()).toBeLessThanOrEqual(3);
    expect(acked).toEqual([...Array(400).keys()]);
    conn.close();
  });
});
