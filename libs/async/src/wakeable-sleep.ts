/**
 * A sleep that something else can cut short: a poll loop waits for its next look, and a notification (or a stop)
 * wakes it at once. A wake that comes while nobody sleeps is kept, so the next sleep returns at once and a
 * notification between two looks is never lost; `reset()` drops it when the loop is about to look anyway.
 */
export class WakeableSleep {
  private wakeSleeper: (() => void) | null = null;
  private pending = false;

  sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      if (this.pending) {
        this.pending = false;
        return resolve();
      }
      const done = () => {
        clearTimeout(timer);
        if (this.wakeSleeper === done) this.wakeSleeper = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeSleeper = done;
    });
  }

  wake(): void {
    if (this.wakeSleeper) this.wakeSleeper();
    else this.pending = true;
  }

  reset(): void {
    this.pending = false;
  }
}
