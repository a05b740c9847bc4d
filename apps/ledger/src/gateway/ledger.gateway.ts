import { Inject, type OnModuleDestroy } from '@nestjs/common';
import {
  WebSocketGateway,
  WebSocketServer,
  type OnGatewayConnection,
  type OnGatewayDisconnect,
  type OnGatewayInit,
} from '@nestjs/websockets';
import type { Logger } from 'pino';
import { COMMAND_NAMES, ledgerErrors, type PushEvents } from '@ledger/contract';
import type { LedgerConfig } from '@ledger/config';
import { verifyToken } from '@ledger/runtime';
import { LedgerMetrics } from '../infra/metrics';
import { fansOut } from '../infra/redis-fanout';
import { CONFIG, LOGGER } from '../infra/tokens';
import { CommandDispatcher, UNKNOWN_COMMAND, type Session } from './command-dispatcher';
import { ConnectionLimits } from './connection-limits';
import { errorAck } from './error-ack';
import { corkEachFlush } from './write-batching';
import { emitPush, splitAck, type LedgerServer, type LedgerSocket } from './ledger-socket';
import { socketReplaySink } from './replay-sink';
import { disconnectAtExpiry } from './token-expiry';

export const runRoom = (runId: string) => `run:${runId}`;
export const userRoom = (userId: string) => `user:${userId}`;
/** The sockets of a user that listed its runs (`runs.list`): the live runs list's pushes go to them alone. */
export const runsListRoom = (userId: string) => `runs:${userId}`;

const COMMANDS: ReadonlySet<string> = new Set(COMMAND_NAMES);

/**
 * The socket.io edge: authenticates on the handshake (JWT), answers every command of docs/protocol.md §4 with
 * an ack, and is the typed outbound adapter for pushes (`run.updated`, `task.updated`, `replay.event`).
 */
@WebSocketGateway()
export class LedgerGateway
  implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect, OnModuleDestroy
{
  @WebSocketServer() server!: LedgerServer;
  private accepting = true;
  private readonly connections: ConnectionLimits;

  constructor(
    private readonly dispatcher: CommandDispatcher,
    private readonly metrics: LedgerMetrics,
    @Inject(CONFIG) private readonly config: LedgerConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.connections = new ConnectionLimits(
      config.LEDGER_MAX_SOCKETS_PER_USER,
      config.LEDGER_MAX_SOCKETS_PER_ADDRESS,
    );
  }

  afterInit(server: LedgerServer): void {
    server.use((socket, next) => {
      try {
        socket.data.caller = verifyToken(socket.handshake.auth?.token, this.config);
        next();
      } catch {
        next(new Error('UNAUTHORIZED'));
      }
    });
    server.use(this.connections.middleware((socket) => socket.data.caller.userId));
  }

  handleConnection(socket: LedgerSocket): void {
    const caller = socket.data.caller;
    if (!caller) return void socket.disconnect(true);
    disconnectAtExpiry(socket, caller.expiresAt);
    this.metrics.sockets.inc();
    void socket.join(userRoom(caller.userId));
    corkEachFlush(socket.conn as unknown as Parameters<typeof corkEachFlush>[0]);
    const session: Session = {
      caller,
      origin: socketOrigin(socket),
      sink: socketReplaySink(socket, this.config.LEDGER_REPLAY_BUFFER_BYTES),
      join: (runId) => void socket.join(runRoom(runId)),
      leave: (runId) => void socket.leave(runRoom(runId)),
      watchRunsList: () => void socket.join(runsListRoom(caller.userId)),
    };
    for (const name of COMMAND_NAMES) {
      socket.on(name, (...args) => {
        const { payload, ack } = splitAck(args);
        if (!this.accepting) return ack?.(this.shuttingDown(name, caller.userId));
        void this.dispatcher.dispatch(session, name, payload).then((result) => ack?.(result));
      });
    }
    // Every event a client emits passes here first. One that names no command has no listener above, and would get
    // no ack at all; "every command is answered by exactly one ack" (docs/protocol.md §5). The parser already refuses
    // socket.io's reserved names (`connect`, `disconnect`…), and no other event goes from client to server.
    socket.onAny((event: unknown, ...args: unknown[]) => {
      if (typeof event === 'string' && COMMANDS.has(event)) return;
      const { ack } = splitAck(args);
      if (!this.accepting) return ack?.(this.shuttingDown(UNKNOWN_COMMAND, caller.userId));
      void this.dispatcher.refuseUnknown(session, event).then((result) => ack?.(result));
    });
    // A malformed packet makes socket.io emit `error` on the socket before it closes the connection: keep a trace.
    socket.on('error', (error) => this.logger.debug({ err: error, userId: caller.userId }, 'socket error'));
  }

  private shuttingDown(command: string, userId: string) {
    return errorAck(ledgerErrors.shuttingDown(), { command, userId }, this.logger);
  }

  handleDisconnect(): void {
    this.metrics.sockets.dec();
  }

  /** Typed pushes to the subscribers of a run (they joined its room only after an ownership check). */
  push<E extends keyof PushEvents>(runId: string, event: E, payload: PushEvents[E]): void {
    const room = runRoom(runId);
    // socket.io encodes a broadcast before it looks at the room: skip the work when nobody listens (here, and
    // nowhere else: through Redis, subscribers on other instances are not known here).
    if (!fansOut(this.server) && !this.server.sockets.adapter.rooms.get(room)?.size) return;
    emitPush(this.server.to(room), event, payload);
  }

  /** Typed pushes to every socket of one user (the runs list, a rebuild's progress). */
  pushToUser<E extends keyof PushEvents>(userId: string, event: E, payload: PushEvents[E]): void {
    if (!this.hasUserSockets(userId)) return;
    emitPush(this.server.to(userRoom(userId)), event, payload);
  }

  /** Whether a user may have a socket open (here; through Redis, anywhere), so a payload is built only when needed. */
  hasUserSockets(userId: string): boolean {
    return this.mayHave(userRoom(userId));
  }

  /**
   * The live runs list's pushes (`runs.changed`, `runs.removed`): to the owner's sockets that listed their runs,
   * and for `runs.removed` also to the run's subscribers (a run page learns its run is gone). A socket that only
   * writes (an application recording its calls through the SDK) never listed runs, so it is not sent a row per
   * run of its user ten times a second.
   */
  pushToRunsList<E extends 'runs.changed' | 'runs.removed'>(
    userId: string,
    runId: string,
    event: E,
    payload: PushEvents[E],
  ): void {
    const rooms = event === 'runs.removed' ? [runsListRoom(userId), runRoom(runId)] : [runsListRoom(userId)];
    if (!rooms.some((room) => this.mayHave(room))) return;
    emitPush(this.server.to(rooms), event, payload);
  }

  /** Whether anyone listens to the runs list of a user (here; through Redis, anywhere). */
  watchesRunsList(userId: string): boolean {
    return this.mayHave(runsListRoom(userId));
  }

  /** Whether a room may have a socket (here; through Redis, subscribers on other instances are not known here). */
  private mayHave(room: string): boolean {
    if (fansOut(this.server)) return true;
    return Boolean(this.server?.sockets.adapter.rooms.get(room)?.size);
  }

  /** Server-side kill of live sockets (one user's, or all). */
  disconnectSockets(userId?: string): void {
    if (userId) this.server.in(userRoom(userId)).disconnectSockets(true);
    else this.server.disconnectSockets(true);
  }

  stopAccepting(): void {
    this.accepting = false;
  }

  onModuleDestroy(): void {
    this.accepting = false;
    this.server?.disconnectSockets(true);
  }
}

/** The address the client reached this server at (its Host header), for share links without LEDGER_PUBLIC_URL. */
function socketOrigin(socket: LedgerSocket): string | undefined {
  const host = socket.handshake.headers.host;
  // A name or an address with its port: anything else (a forged header) gives no origin rather than a bad URL.
  if (!host || !/^([a-z0-9.-]+|\[[0-9a-f:.]+\])(:\d{1,5})?$/i.test(host)) return undefined;
  return `${socket.handshake.secure ? 'https' : 'http'}://${host}`;
}
