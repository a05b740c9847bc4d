/** A pending callback of a `Clock`. */
export interface Timer {
  cancel(): void;
}

/**
 * Time as a dependency: what reads the time or waits for it takes a clock, so a test drives time itself
 * (`ManualClock`) instead of asserting wall-clock gaps.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Runs `fn` once, `ms` from now. A system timer never holds the process open. */
  setTimer(fn: () => void, ms: number): Timer;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer: (fn, ms) => {
    const timer = setTimeout(fn, ms);
    timer.unref();
    return { cancel: () => clearTimeout(timer) };
  },
};

/** A clock that moves only when told to (`advance`), firing the timers that fall due, in order. */
export class ManualClock implements Clock {
  private timers: Array<{ at: number; seq: number; fn: () => void }> = [];
  private seq = 0;

  constructor(private current = 0) {}

  now(): number {
    return this.current;
  }

  setTimer(fn: () => void, ms: number): Timer {
    const entry = { at: this.current + Math.max(0, ms), seq: this.seq++, fn };
    this.timers.push(entry);
    return { cancel: () => void (this.timers = this.timers.filter((t) => t !== entry)) };
  }

  /** Moves time forward by `ms`, running each timer due on the way at its own time (a timer may set another). */
  advance(ms: number): void {
    const end = this.current + ms;
    for (;;) {
      const due = this.timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.current = due.at;
      due.fn();
    }
    this.current = end;
  }

  /** Timers not yet run. */
  get pending(): number {
    return this.timers.length;
  }
}
