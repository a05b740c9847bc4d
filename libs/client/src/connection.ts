import type { Ack, AckData, CommandName, CommandPayload, PushEvents } from '@ledger/contract';
import { io, type Socket } from 'socket.io-client';
import { LedgerClientError, TransportInterrupted } from './errors';
import { corkEachTurn, type EngineConnection } from './write-batching';

export interface ConnectionOptions {
  url: string;
  token: string;
  maxOfflineMs: number;
  socketOptions?: Record<string, unknown>;
}

type Waiter = { resolve: () => void; reject: (e: LedgerClientError) => void };

/**
 * The one socket of a client. Knows whether the server is reachable and for how long it has not been; a command is only
 * emitted while connected, and a lost one (disconnect, ack timeout) surfaces as `TransportInterrupted` so that the caller
 * sends it again. socket.io reconnects by itself; `onReconnect` listeners run on every connect after the first.
 */
export class Connection {
  private readonly socket: Socket;
  private waiters: Waiter[] = [];
  private offlineTimer: ReturnType<typeof setTimeout> | undefined;
  /** Set once the server has been away longer than maxOfflineMs; cleared on the next connect. */
  private unavailable: LedgerClientError | undefined;
  /** Set when the server refused us (bad token) or the client was closed: nothing more will be sent. */
  private fatal: LedgerClientError | undefined;
  private everConnected = false;
  private readonly reconnectListeners: Array<() => void> = [];

  constructor(private readonly options: ConnectionOptions) {
    this.socket = io(options.url, {
      forceNew: true, // one connection per client: a server-side kill or a close never touches another client
      ...options.socketOptions,
      auth: { token: options.token },
      reconnection: true,
    });
    this.armOfflineTimer();
    // Each connection (socket.io makes a new engine on every reconnect) batches the writes of a turn.
    this.socket.io.on('open', () => corkEachTurn(this.socket.io.engine as unknown as EngineConnection));
    this.socket.on('connect', () => this.onConnect());
    this.socket.on('disconnect', (reason) => {
      // A server-side disconnect does not reconnect by itself in socket.io: ask for it.
      if (reason === 'io server disconnect' && !this.fatal) this.socket.connect();
      this.armOfflineTimer();
    });
    this.socket.on('connect_error', (err: Error) => {
      if (err.message === 'UNAUTHORIZED')
        this.fail(new LedgerClientError('UNAUTHORIZED', 'the ledger refused the token'));
      // Refused by the server for another reason (e.g. still starting): socket.io gives up, so try again shortly.
      else if (!this.socket.active && !this.fatal)
        setTimeout(() => this.fatal || this.socket.connect(), 1000);
    });
  }

  get connected(): boolean {
    return this.socket.connected;
  }

  onReconnect(listener: () => void): void {
    this.reconnectListeners.push(listener);
  }

  on<E extends keyof PushEvents>(event: E, listener: (data: PushEvents[E]) => void): void {
    this.socket.on(event as string, listener as (data: unknown) => void);
  }

  off<E extends keyof PushEvents>(event: E, listener: (data: PushEvents[E]) => void): void {
    this.socket.off(event as string, listener as (data: unknown) => void);
  }

  /** A push by name, including ones the contract types do not list (a newer server's). */
  listen(event: string, listener: (data: unknown) => void): void {
    this.socket.on(event, listener);
  }

  unlisten(event: string, listener: (data: unknown) => void): void {
    this.socket.off(event, listener);
  }

  /** Resolves once connected; rejects with UNAVAILABLE when the server is (or has been) away too long. */
  waitConnected(): Promise<void> {
    if (this.fatal) return Promise.reject(this.fatal);
    if (this.socket.connected) return Promise.resolve();
    if (this.unavailable) return Promise.reject(this.unavailable);
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /**
   * One attempt: emits the command and waits for its ack (or `timeoutMs`; null = no limit). Rejects with
   * `TransportInterrupted` when the ack was lost, with a `LedgerClientError` when the server answered with an error.
   */
  send<N extends CommandName>(
    name: N,
    payload: CommandPayload<N>,
    timeoutMs: number | null,
  ): Promise<AckData[N]> {
    if (this.fatal) return Promise.reject(this.fatal);
    if (!this.socket.connected) return Promise.reject(new TransportInterrupted('disconnected'));
    return new Promise((resolve, reject) => {
      const onAck = (err: Error | null, ack: Ack<AckData[N]>) => {
        if (err) return reject(new TransportInterrupted(this.socket.connected ? 'timeout' : 'disconnected'));
        if (!ack || typeof ack !== 'object')
          return reject(new LedgerClientError('INTERNAL', 'malformed ack', ack, name));
        if (ack.ok) return resolve(ack.data);
        const commandId = (payload as { commandId?: string }).commandId;
        reject(LedgerClientError.fromAck(ack.error, name, commandId));
      };
      const emitter = timeoutMs === null ? this.socket.timeout(2 ** 31 - 1) : this.socket.timeout(timeoutMs);
      emitter.emit(name, payload, onAck);
    });
  }

  close(): void {
    this.fail(new LedgerClientError('UNAVAILABLE', 'the ledger client is closed'));
    this.socket.disconnect();
  }

  private onConnect(): void {
    clearTimeout(this.offlineTimer);
    this.offlineTimer = undefined;
    this.unavailable = undefined;
    const waiters = this.waiters;
    this.waiters = [];
    waiters.forEach((w) => w.resolve());
    if (this.everConnected) this.reconnectListeners.forEach((l) => l());
    this.everConnected = true;
  }

  private armOfflineTimer(): void {
    if (this.offlineTimer || this.fatal) return;
    this.offlineTimer = setTimeout(() => {
      this.offlineTimer = undefined;
      if (this.socket.connected) return;
      this.unavailable = new LedgerClientError(
        'UNAVAILABLE',
        `the ledger at ${this.options.url} has been unreachable for more than ${this.options.maxOfflineMs} ms`,
      );
      this.rejectWaiters(this.unavailable);
    }, this.options.maxOfflineMs);
  }

  private fail(error: LedgerClientError): void {
    if (this.fatal) return;
    this.fatal = error;
    clearTimeout(this.offlineTimer);
    this.offlineTimer = undefined;
    this.rejectWaiters(error);
  }

  private rejectWaiters(error: LedgerClientError): void {
    const waiters = this.waiters;
    this.waiters = [];
    waiters.forEach((w) => w.reject(error));
  }
}
