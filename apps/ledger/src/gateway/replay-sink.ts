import type { ReplayFrame } from '@ledger/contract';
import type { ReplayTarget } from '@ledger/replay';
import type { LedgerSocket } from './ledger-socket';

/**
 * What the replay reads of engine.io's connection under a socket.io socket. `writeBuffer` holds the packets
 * that the transport has not taken yet (it grows while the client does not read), `transport.socket` is the `ws`
 * WebSocket of a websocket transport, whose `bufferedAmount` counts the bytes given to it and not yet sent. The
 * connection emits `drain` when it hands its buffer to the transport, the transport when it has sent it.
 */
interface EngineConnection {
  readonly writeBuffer?: ReadonlyArray<{ data?: unknown }>;
  readonly transport?: {
    readonly socket?: { readonly bufferedAmount?: number };
    once(event: 'drain', listener: () => void): unknown;
    off(event: 'drain', listener: () => void): unknown;
  };
  once(event: 'drain' | 'close' | 'upgrade', listener: () => void): unknown;
  off(event: 'drain' | 'close' | 'upgrade', listener: () => void): unknown;
}

/** A wait that has no event to end it (a transport swapped mid-wait) is looked at again after this long. */
const RECHECK_MS = 1000;

function unsentBytes(conn: EngineConnection): number {
  let bytes = conn.transport?.socket?.bufferedAmount ?? 0;
  for (const packet of conn.writeBuffer ?? []) {
    const data = packet.data;
    if (typeof data === 'string') bytes += data.length;
    else if (data && typeof (data as ArrayBufferLike).byteLength === 'number')
      bytes += (data as ArrayBufferLike).byteLength;
  }
  return bytes;
}

/**
 * The replay target of one socket: frames go out as `replay.event`; the signal aborts when the socket
 * disconnects (so a paced wait ends at once); `ready()` holds the replay while the socket's unsent output is
 * above `highWaterBytes` (a client that stops reading cannot make the server buffer the whole run).
 */
export function socketReplaySink(socket: LedgerSocket, highWaterBytes: number): ReplayTarget {
  const gone = new AbortController();
  socket.once('disconnect', () => gone.abort());
  const conn = socket.conn as unknown as EngineConnection;
  return {
    emit: (frame: ReplayFrame) => socket.emit('replay.event', frame),
    get closed() {
      return socket.disconnected;
    },
    signal: gone.signal,
    ready: () => {
      if (socket.disconnected || unsentBytes(conn) <= highWaterBytes) return;
      return drained(conn, gone.signal, highWaterBytes);
    },
  };
}

/** Resolves once the unsent output is at or below the mark, or the socket is gone. */
async function drained(conn: EngineConnection, signal: AbortSignal, highWaterBytes: number): Promise<void> {
  while (!signal.aborted && unsentBytes(conn) > highWaterBytes) {
    const transport = conn.transport;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        conn.off('drain', done);
        conn.off('close', done);
        conn.off('upgrade', done);
        transport?.off('drain', done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, RECHECK_MS);
      conn.once('drain', done);
      conn.once('close', done);
      conn.once('upgrade', done);
      transport?.once('drain', done);
      signal.addEventListener('abort', done, { once: true });
    });
  }
}
