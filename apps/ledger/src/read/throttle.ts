import { systemClock, type Clock, type Timer } from '@ledger/async';

/**
 * At most one send per key per interval, the latest value winning: the first value goes out at once, later
 * ones within the interval wait and only the newest is sent when it ends. A `final` value goes out at once
 * and ends the key's window (a task's last state, a run's removal), replacing whatever was waiting.
 */
export class Throttle<K, V> {
  private readonly windows = new Map<K, { timer: Timer; pending?: V }>();

  constructor(
    /** The window after a send: fixed, or of the value just sent (a larger value, a longer window). */
    private readonly intervalMs: number | ((sent: V) => number),
    private readonly send: (value: V, key: K) => void,
    private readonly clock: Clock = systemClock,
  ) {}

  submit(key: K, value: V, final = false): void {
    const window = this.windows.get(key);
    if (final) {
      window?.timer.cancel();
      this.windows.delete(key);
      this.send(value, key);
      return;
    }
    if (window) {
      window.pending = value;
      return;
    }
    this.send(value, key);
    this.open(key, value);
  }

  /** Drops the values waiting for their window that `match`es: they will not be sent. */
  drop(match: (value: V, key: K) => boolean): void {
    for (const [key, window] of this.windows) {
      if (window.pending === undefined || !match(window.pending, key)) continue;
      window.timer.cancel();
      this.windows.delete(key);
    }
  }

  /** Keys with a window open (for tests and metrics). */
  get size(): number {
    return this.windows.size;
  }

  close(): void {
    for (const window of this.windows.values()) window.timer.cancel();
    this.windows.clear();
  }

  private open(key: K, sent: V): void {
    const interval = typeof this.intervalMs === 'number' ? this.intervalMs : this.intervalMs(sent);
    const timer = this.clock.setTimer(() => {
      const window = this.windows.get(key);
      this.windows.delete(key);
      if (window?.pending === undefined) return;
      const next = window.pending;
      this.send(next, key);
      this.open(key, next);
    }, interval);
    this.windows.set(key, { timer });
  }
}
