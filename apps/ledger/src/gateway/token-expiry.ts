import { TOKEN_EXPIRED_EVENT, type LedgerSocket } from './ledger-socket';

/** setTimeout's longest delay (2^31 - 1 ms, ~24.8 days); a longer one would fire at once. */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * Cuts the socket when its token expires (docs/protocol.md §1): a token that was valid at the handshake does not keep
 * an open socket alive past its `exp`. The timer re-arms in steps for lifetimes beyond setTimeout's range and
 * is cleared when the socket disconnects first.
 */
export function disconnectAtExpiry(
  socket: LedgerSocket,
  expiresAt: number | undefined,
  now = Date.now,
): void {
  if (expiresAt === undefined) return;
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    const left = expiresAt - now();
    if (left <= 0) {
      socket.emit(TOKEN_EXPIRED_EVENT, { expiredAt: new Date(expiresAt).toISOString() });
      socket.disconnect(true);
      return;
    }
    timer = setTimeout(arm, Math.min(left, MAX_TIMER_MS));
    timer.unref();
  };
  socket.once('disconnect', () => clearTimeout(timer));
  arm();
}
