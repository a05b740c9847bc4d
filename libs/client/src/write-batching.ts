/**
 * What the batching reads of engine.io-client's connection: it emits `packetCreate` for every packet it is about to
 * send; a websocket transport's `ws` is, under Node, the `ws` WebSocket, whose `_socket` is the TCP socket.
 */
export interface EngineConnection {
  readonly transport?: { readonly ws?: { readonly _socket?: Corkable } } | null;
  on(event: 'packetCreate', listener: () => void): unknown;
}

interface Corkable {
  cork(): void;
  uncork(): void;
}

/**
 * The commands a client sends in one turn of the event loop (the flushes of several tasks whose timers fell due
 * together, the next command of each run whose ack just came) go to the TCP socket in one write rather than one
 * system call each: `ws` writes every frame on its own, and engine.io-client hands the packets that gathered behind
 * the first to its transport one by one on the next tick. The socket is corked at the turn's first packet and
 * uncorked once the turn is over (`setImmediate`), so nothing waits past it; the bytes and their order are the same.
 * Under a browser's WebSocket there is no TCP socket to cork, and nothing changes. The server does the same for its
 * acks (its gateway's write batching; docs/performance.md, findings 18 and 33).
 */
export function corkEachTurn(engine: EngineConnection): void {
  let corked: Corkable | null = null;
  const release = () => {
    const socket = corked;
    corked = null;
    socket?.uncork();
  };
  engine.on('packetCreate', () => {
    const socket = engine.transport?.ws?._socket;
    if (corked || !socket || typeof socket.cork !== 'function') return;
    corked = socket;
    socket.cork();
    setImmediate(release);
  });
}
