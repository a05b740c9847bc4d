import { WakeableSleep } from './wakeable-sleep';
import { withTimeout } from './timeout';

describe('WakeableSleep', () => {
  it('ends a sleep at once when woken (the sleep itself is an hour long)', async () => {
    const s = new WakeableSleep();
    const slept = s.sleep(3_600_000);
    s.wake();
    await expect(slept).resolves.toBeUndefined();
  });

  it('keeps a wake that came while nobody slept, for the next sleep only; reset() drops it', async () => {
    const s = new WakeableSleep();
    s.wake();
    await s.sleep(3_600_000); // returns at once: the kept wake
    s.wake();
    s.reset();
    let ended = false;
    const slept = s.sleep(3_600_000).then(() => (ended = true));
    await Promise.resolve();
    expect(ended).toBe(false);
    s.wake();
    await slept;
    expect(ended).toBe(true);
  });
});

describe('withTimeout', () => {
  it('settles like the promise when it settles first', async () => {
    await expect(withTimeout(Promise.resolve(7), 3_600_000, () => new Error('late'))).resolves.toBe(7);
    await expect(
      withTimeout(Promise.reject(new Error('own')), 3_600_000, () => new Error('late')),
    ).rejects.toThrow('own');
  });

  it('rejects with the given error when the time passes first', async () => {
    await expect(withTimeout(new Promise(() => undefined), 1, () => new Error('no answer'))).rejects.toThrow(
      'no answer',
    );
  });
});
