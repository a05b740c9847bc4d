import { EventEmitter } from 'node:events';
import type { LedgerSocket } from './ledger-socket';
import { TOKEN_EXPIRED_EVENT } from './ledger-socket';
import { disconnectAtExpiry } from './token-expiry';

const DAY = 86_400_000;

/** The slice of a socket.io server socket the expiry timer uses: emit, disconnect and its own events. */
class SocketDouble extends EventEmitter {
  readonly sent: string[] = [];
  disconnects = 0;
  override emit(event: string, ...args: unknown[]): boolean {
    this.sent.push(event);
    return super.emit(event, ...args);
  }
  disconnect(): this {
    this.disconnects++;
    super.emit('disconnect', 'server namespace disconnect');
    return this;
  }
}

describe('disconnectAtExpiry', () => {
  beforeEach(() => jest.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') }));
  afterEach(() => jest.useRealTimers());

  it('cuts the socket at the expiry, not before, telling it why first', () => {
    const socket = new SocketDouble();
    disconnectAtExpiry(socket as unknown as LedgerSocket, Date.now() + 2_000);
    jest.advanceTimersByTime(1_999);
    expect(socket.disconnects).toBe(0);
    jest.advanceTimersByTime(1);
    expect(socket.sent).toEqual([TOKEN_EXPIRED_EVENT]);
    expect(socket.disconnects).toBe(1);
  });

  it('holds a lifetime beyond setTimeout’s 24.8-day range (which would otherwise fire at once)', () => {
    const socket = new SocketDouble();
    disconnectAtExpiry(socket as unknown as LedgerSocket, Date.now() + 30 * DAY);
    jest.advanceTimersByTime(25 * DAY);
    expect(socket.disconnects).toBe(0);
    jest.advanceTimersByTime(5 * DAY);
    expect(socket.disconnects).toBe(1);
  });

  it('forgets the socket when it disconnects first', () => {
    const socket = new SocketDouble();
    disconnectAtExpiry(socket as unknown as LedgerSocket, Date.now() + 1_000);
    socket.disconnect();
    jest.advanceTimersByTime(5_000);
    expect(socket.disconnects).toBe(1);
    expect(jest.getTimerCount()).toBe(0);
  });
});
