import { Encoder, PacketType } from 'socket.io-parser';
import type { ReplayFrame } from '@ledger/contract';
import type { ReplayTarget } from '@ledger/replay';
import type { LedgerSocket } from './ledger-socket';

/**
 * What the replay reads of engine.io's connection under a socket.io socket. `writeBuffer` holds the packets
 * that the transport has not taken yet (it grows while the client does not read; engine.io only pushes to it, and
 * replaces it with an empty one when it hands it to the transport), `transport.socket` is the `ws` WebSocket of a
 * websocket transport, whose `bufferedAmount` counts the bytes given to it and not yet sent. The connection emits
 * `drain` right after it hands its buffer to the transport; the transport emits `drain` when it has sent it. (Its
 * frames are corked into one write per hand-over for every socket: write-batching.ts.)
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

function packetBytes(packet: { data?: unknown }): number {
  const data = packet.data;
  if (typeof data === 'string') return data.length;
  if (data && typeof (data as ArrayBufferLike).byteLength === 'number')
    return (data as ArrayBufferLike).byteLength;
  return 0;
}

/**
 * The unsent output of a connection: its write buffer's packets plus the WebSocket's buffered bytes. The buffer's
 * packets are counted as they join it, not by walking it on every frame (a replay at speed 0 asks once per frame
 * while the buffer holds up to `highWaterBytes` of frames: walking it was quadratic in the frames of a burst).
 */
class UnsentBytes {
  private buffer: ReadonlyArray<{ data?: unknown }> | undefined;
  private counted = 0;
  private bytes = 0;

  of(conn: EngineConnection): number {
    const buffer = conn.writeBuffer ?? [];
    if (buffer !== this.buffer || buffer.length < this.counted) {
      this.buffer = buffer;
      this.counted = 0;
      this.bytes = 0;
    }
    for (; this.counted < buffer.length; this.counted++) this.bytes += packetBytes(buffer[this.counted]);
    return this.bytes + (conn.transport?.socket?.bufferedAmount ?? 0);
  }
}

/**
 * The text of the socket.io packet `socket.emit('replay.event', frame)` makes in namespace `nsp`, as socket.io's
 * default encoder writes it (`2`, the namespace and a comma unless it is `/`, then the JSON of
 * `['replay.event', frame]`), for a frame made by the replay (`toFrame`: these keys in this order, `data` and
 * `metadata` objects), given the JSON of its metadata. The chunks of a `ChunksReceived` share their metadata, ~40 %
 * of a chunk frame's text: written once per event rather than once per frame, and without socket.io's search for
 * binary parts (a frame is JSON read from the store). replay-sink.spec.ts checks it against the encoder.
 */
export function replayPacket(nsp: string, frame: ReplayFrame, metadataJson: string): string {
  const head = `${PacketType.EVENT}${nsp === '/' ? '' : `${nsp},`}["replay.event",`;
  const { runId, version, type, data } = frame;
  return `${head}{"runId":${JSON.stringify(runId)},"version":${JSON.stringify(version)},"type":${JSON.stringify(type)},"data":${JSON.stringify(data)},"metadata":${metadataJson}}]`;
}

/** What the sink reads of socket.io's internals to write a packet as its broadcast adapter does. */
interface SocketInternals {
  readonly nsp: {
    readonly name: string;
    readonly server: { readonly opts?: { connectionStateRecovery?: unknown } };
  };
  readonly client: {
    readonly encoder: unknown;
    writeToEngine(packets: string[], opts: { compress: boolean }): void;
  };
}

/**
 * Sends `replay.event` frames. A frame goes as the packet text `replayPacket` makes, handed to the engine the way
 * socket.io's own adapter hands a broadcast's packets (`client.writeToEngine`), when that text is certainly what
 * `socket.emit` would write: the default encoder without a replacer, no connection state recovery (which stores
 * each packet), no listener on outgoing packets. Anything else goes through `socket.emit`.
 */
function replayEmitter(socket: LedgerSocket): (frame: ReplayFrame) => void {
  const internals = socket as unknown as SocketInternals;
  const encoder = internals.client?.encoder;
  const plain =
    encoder instanceof Encoder &&
    (encoder as unknown as { replacer?: unknown }).replacer === undefined &&
    !internals.nsp?.server?.opts?.connectionStateRecovery &&
    typeof internals.client?.writeToEngine === 'function';
  const conn = socket.conn as unknown as { readonly readyState: string };
  let metadata: object | null = null;
  let metadataJson = '';
  return (frame) => {
    const json = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v);
    if (!plain || !json(frame.data) || !json(frame.metadata) || socket.listenersAnyOutgoing().length > 0)
      return void socket.emit('replay.event', frame);
    if (conn.readyState !== 'open') return; // as socket.io: a packet for a closed connection is dropped
    if (frame.metadata !== metadata) {
      metadata = frame.metadata;
      metadataJson = JSON.stringify(frame.metadata);
    }
    internals.client.writeToEngine([replayPacket(internals.nsp.name, frame, metadataJson)], {
      compress: true,
    });
  };
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
  const unsent = new UnsentBytes();
  return {
    emit: replayEmitter(socket),
    get closed() {
      return socket.disconnected;
    },
    signal: gone.signal,
    ready: () => {
      if (socket.disconnected || unsent.of(conn) <= highWaterBytes) return;
      return drained(conn, gone.signal, () => unsent.of(conn) > highWaterBytes);
    },
  };
}

/** Resolves once the unsent output is at or below the mark, or the socket is gone. */
async function drained(conn: EngineConnection, signal: AbortSignal, above: () => boolean): Promise<void> {
  while (!signal.aborted && above()) {
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
