/**
 * At most one send per key per interval, the latest value winning: the first value goes out at once, later
 * ones within the interval wait and only the newest is sent when it ends. A `final` value goes out at once
 * and ends the key's window (a task's last state, a run's removal), replacing whatever was waiting.
 */
export class Throttle<K, V> {
  private readonly windows = new Map<K, { timer: NodeJS.Timeout; pending?: V }>();

  constructor(
    private readonly intervalMs: number,
    private readonly send: (value: V, key: K) => void,
  ) {}

  submit(key: K, value: V, final = false): void {
    const window = this.windows.get(key);
    if (final) {
      if (window) clearTimeout(window.timer);
      this.windows.delete(key);
      this.send(value, key);
      return;
    }
    if (window) {
      window.pending = value;
      return;
    }
    this.send(value, key);
    this.open(key);
  }

  /** Keys with a window open (for tests and metrics). */
  get size(): number {
    return this.windows.size;
  }

  close(): void {
    for (const window of this.windows.values()) clearTimeout(window.timer);
    this.windows.clear();
  }

  private open(key: K): void {
    const timer = setTimeout(() => {
      const window = this.windows.get(key);
      this.windows.delete(key);
      if (window?.pending === undefined) return;
      this.send(window.pending, key);
      this.open(key);
    }, this.intervalMs);
    timer.unref();
    this.windows.set(key, { timer });
  }
}
