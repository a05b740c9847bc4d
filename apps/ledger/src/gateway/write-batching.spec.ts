import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo, Socket as TcpSocket } from 'node:net';
import { Server, type Socket } from 'socket.io';
import { io as connect, type Socket as ClientSocket } from 'socket.io-client';
import { countTcpWrites } from '../../../../test/support/tcp-writes';
import { corkEachFlush } from './write-batching';

/** A real socket.io server and client over loopback TCP; the server side's TCP writes are counted. */
describe('corkEachFlush', () => {
  let http: HttpServer;
  let server: Server;
  let client: ClientSocket;

  async function connected(cork: boolean): Promise<{ socket: Socket; writes: () => number }> {
    const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
    client = connect(`http://127.0.0.1:${(http.address() as AddressInfo).port}`, {
      transports: ['websocket'],
    });
    const socket = await accepted;
    if (cork) corkEachFlush(socket.conn as unknown as Parameters<typeof corkEachFlush>[0]);
    const tcp = (socket.conn as unknown as { transport: { socket: { _socket: TcpSocket } } }).transport.socket
      ._socket;
    return { socket, writes: countTcpWrites(tcp) };
  }

  /** 200 packets emitted in one synchronous burst, as a group commit's acks are; resolves when all arrived. */
  async function burst(socket: Socket): Promise<number[]> {
    const got: number[] = [];
    const all = new Promise<void>((resolve) =>
      client.on('n', (n: number) => {
        got.push(n);
        if (got.length === 200) resolve();
      }),
    );
    for (let n = 0; n < 200; n++) socket.emit('n', n);
    await all;
    return got;
  }

  beforeEach(async () => {
    http = createServer();
    server = new Server(http);
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  });
  afterEach(async () => {
    client.close();
    await server.close();
  });

  it('sends a burst of packets in a few TCP writes, in order, where each went in its own', async () => {
    const plain = await connected(false);
    expect(await burst(plain.socket)).toEqual([...Array(200).keys()]);
    const unbatched = plain.writes();
    client.close();

    const batched = await connected(true);
    expect(await burst(batched.socket)).toEqual([...Array(200).keys()]);
    expect(unbatched).toBeGreaterThanOrEqual(100);
    expect(batched.writes()).toBeLessThanOrEqual(3);
  });
});
