/**
 * What the batching reads of engine.io's connection under a socket.io socket: it emits `flush` right before it
 * hands the packets that gathered to its transport and `drain` right after; a websocket transport's `socket` is the
 * `ws` WebSocket, whose `_socket` is the TCP socket.
 */
interface EngineConnection {
  readonly transport?: { readonly socket?: { readonly _socket?: Corkable } };
  on(event: 'flush' | 'drain', listener: () => void): unknown;
}

interface Corkable {
  cork(): void;
  uncork(): void;
}

/**
 * The packets engine.io hands to its transport at once (all that gathered while the previous write was in flight:
 * a group commit's acks, a replay's frames) go to the TCP socket in one write rather than one system call each
 * (`ws` writes every frame on its own): the socket is corked from the connection's `flush` to its `drain`, which
 * engine.io emits around that hand-over, within one synchronous call. The bytes, their order and their timing are
 * the same.
 */
export function corkEachFlush(conn: EngineConnection): void {
  let corked: Corkable | null = null;
  const release = () => {
    const socket = corked;
    corked = null;
    socket?.uncork();
  };
  conn.on('flush', () => {
    const socket = conn.transport?.socket?._socket;
    if (corked || !socket || typeof socket.cork !== 'function') return;
    corked = socket;
    socket.cork();
    process.nextTick(release); // in case the hand-over threw before its `drain`
  });
  conn.on('drain', release);
}
