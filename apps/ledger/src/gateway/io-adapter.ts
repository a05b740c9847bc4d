import type { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import type { Server } from 'socket.io';
import { PacketType } from 'socket.io-parser';
import type { LedgerConfig } from '@ledger/config';
import type { Fanout } from '../infra/redis-fanout';
import { sizeCheckingParser } from './frame-decoder';

type ServerOptions = NonNullable<Parameters<IoAdapter['createIOServer']>[1]>;

/** An engine.io message (`4`) carrying a socket.io CONNECT_ERROR: the namespace handshake was refused. */
const CONNECT_ERROR_FRAME = `${PacketType.CONNECT_ERROR}`;

/**
 * socket.io as the ledger's transport (docs/security.md "Transport"): a frame limit above the payload limit (so an
 * oversized payload still gets its `PAYLOAD_TOO_LARGE` ack), a parser that checks sizes before it parses, a short
 * window to complete the handshake, and no connection kept open after a refused handshake.
 */
export class LedgerIoAdapter extends IoAdapter {
  constructor(
    app: INestApplicationContext,
    private readonly config: LedgerConfig,
    /** Redis fan-out when `REDIS_URL` is set (docs/deployment.md): pushes reach sockets on every instance. */
    private readonly fanout: Fanout | null = null,
  ) {
    super(app);
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    const server = super.createIOServer(port, {
      ...options,
      maxHttpBufferSize: this.config.maxFrameBytes,
      connectTimeout: this.config.LEDGER_CONNECT_TIMEOUT_MS,
      // Compressed frames would let a small frame inflate to the limit: never negotiate it.
      perMessageDeflate: false,
      parser: sizeCheckingParser(this.config.LEDGER_MAX_PAYLOAD_BYTES),
      cors: { origin: true },
    } as ServerOptions) as Server;
    server.engine.on('connection', closeAfterRefusedHandshake);
    this.fanout?.attach(server);
    return server;
  }
}

/**
 * A refused handshake (`connect_error`: UNAUTHORIZED, TOO_MANY_CONNECTIONS) would leave the engine.io connection
 * open, where a client could retry or send frames the server still has to decode: close it once the refusal has
 * been written (a graceful close flushes the write buffer first).
 */
function closeAfterRefusedHandshake(conn: {
  on(event: 'packetCreate', listener: (packet: { type: string; data?: unknown }) => void): void;
  close(): void;
}): void {
  conn.on('packetCreate', (packet) => {
    if (
      packet.type === 'message' &&
      typeof packet.data === 'string' &&
      packet.data[0] === CONNECT_ERROR_FRAME
    )
      setImmediate(() => conn.close());
  });
}
