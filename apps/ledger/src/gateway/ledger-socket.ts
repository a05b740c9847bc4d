import type { Server, Socket } from 'socket.io';
import type { Ack, CommandName, PushEvents } from '@ledger/contract';
import type { Caller } from '@ledger/runtime';

/** Sent to a socket just before it is cut because its token expired; the client reconnects with a new token. */
export const TOKEN_EXPIRED_EVENT = 'token.expired';

export type AckCallback = (ack: Ack<unknown>) => void;

/**
 * What a client may emit: every command of docs/protocol.md §4, its payload then its ack callback. The arguments
 * stay `unknown` here on purpose: they come off the wire, and `parseCommand` is the one place that checks them
 * (a client may send no ack, or more arguments than these).
 */
export type ClientToServerEvents = { [N in CommandName]: (...args: unknown[]) => void };

/** What the server emits: the pushes of docs/protocol.md §6, and the notice before a socket is cut at expiry. */
export type ServerToClientEvents = { [E in keyof PushEvents]: (payload: PushEvents[E]) => void } & {
  [TOKEN_EXPIRED_EVENT]: (payload: { expiredAt: string }) => void;
};

/** Instances exchange no events of their own: broadcasts through Redis carry the pushes above. */
export type InterServerEvents = Record<never, never>;

/** Set by the handshake middleware (the verified token), read by every handler after it. */
export interface SocketData {
  caller: Caller;
}

export type LedgerServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
export type LedgerSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

/** A command's arguments as socket.io hands them over: the payload first, the ack callback last when there is one. */
export function splitAck(args: unknown[]): { payload: unknown; ack: AckCallback | undefined } {
  const last = args[args.length - 1];
  return isAck(last)
    ? { payload: args.length > 1 ? args[0] : undefined, ack: last }
    : { payload: args[0], ack: undefined };
}

function isAck(value: unknown): value is AckCallback {
  return typeof value === 'function';
}

type Broadcast = ReturnType<LedgerServer['to']>;

/**
 * One emitter per push, so a push is emitted with its event's own payload type: socket.io's `emit` cannot be
 * called with a generic event name, but a map indexed by one can (TypeScript's correlated-union pattern).
 */
const EMITTERS: { [E in keyof PushEvents]: (to: Broadcast, payload: PushEvents[E]) => void } = {
  'run.updated': (to, payload) => to.emit('run.updated', payload),
  'task.updated': (to, payload) => to.emit('task.updated', payload),
  'replay.event': (to, payload) => to.emit('replay.event', payload),
  'runs.changed': (to, payload) => to.emit('runs.changed', payload),
  'runs.removed': (to, payload) => to.emit('runs.removed', payload),
  'projections.progress': (to, payload) => to.emit('projections.progress', payload),
  'budget.alert': (to, payload) => to.emit('budget.alert', payload),
};

export function emitPush<E extends keyof PushEvents>(to: Broadcast, event: E, payload: PushEvents[E]): void {
  EMITTERS[event](to, payload);
}
