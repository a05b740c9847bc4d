import type { LedgerSocket } from './ledger-socket';

export type ConnectionScope = 'user' | 'address';

export type Slot =
  { readonly release: () => void } | { readonly refused: ConnectionScope; readonly limit: number };

/** Live sockets per user and per remote address; a socket holds one slot of each from its handshake to its end. */
export class ConnectionLimits {
  private readonly perUser = new Map<string, number>();
  private readonly perAddress = new Map<string, number>();

  constructor(
    private readonly maxPerUser: number,
    private readonly maxPerAddress: number,
  ) {}

  acquire(userId: string, address: string): Slot {
    if ((this.perUser.get(userId) ?? 0) >= this.maxPerUser)
      return { refused: 'user', limit: this.maxPerUser };
    if ((this.perAddress.get(address) ?? 0) >= this.maxPerAddress)
      return { refused: 'address', limit: this.maxPerAddress };
    add(this.perUser, userId, 1);
    add(this.perAddress, address, 1);
    let held = true;
    return {
      release: () => {
        if (!held) return;
        held = false;
        add(this.perUser, userId, -1);
        add(this.perAddress, address, -1);
      },
    };
  }

  /**
   * The handshake middleware: refuses the socket over a cap with `connect_error` `TOO_MANY_CONNECTIONS`
   * (`data`: scope, limit). Runs after authentication, so `userOf` is known.
   */
  middleware(userOf: (socket: LedgerSocket) => string) {
    return (socket: LedgerSocket, next: (err?: Error & { data?: unknown }) => void): void => {
      const slot = this.acquire(userOf(socket), socket.handshake.address);
      if ('refused' in slot)
        return next(
          Object.assign(new Error('TOO_MANY_CONNECTIONS'), {
            data: { scope: slot.refused, limit: slot.limit },
          }),
        );
      // A socket that never completes its connection emits no `disconnect`: its transport's close frees it then.
      const release = () => {
        slot.release();
        socket.conn.off('close', release);
      };
      socket.once('disconnect', release);
      socket.conn.once('close', release);
      next();
    };
  }
}

function add(counts: Map<string, number>, key: string, delta: number): void {
  const n = (counts.get(key) ?? 0) + delta;
  if (n > 0) counts.set(key, n);
  else counts.delete(key);
}
