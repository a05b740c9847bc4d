import { WriteBehind } from './rebuild-load';

/** A write the test ends by hand. */
function gate(): { promise: Promise<void>; open: () => void; fail: (error: Error) => void } {
  let open!: () => void;
  let fail!: (error: Error) => void;
  const promise = new Promise<void>((resolve, reject) => {
    open = resolve;
    fail = reject;
  });
  return { promise, open, fail };
}

describe('WriteBehind', () => {
  it('keeps at most `depth` writes in flight: a start past it waits for the oldest', async () => {
    const writes = new WriteBehind(2);
    const [a, b, c] = [gate(), gate(), gate()];
    const started: string[] = [];
    await writes.start(() => (started.push('a'), a.promise));
    await writes.start(() => (started.push('b'), b.promise));
    let thirdReturned = false;
    const third = writes.start(() => (started.push('c'), c.promise)).then(() => (thirdReturned = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual(['a', 'b']);
    expect(thirdReturned).toBe(false);
    a.open();
    await third;
    expect(started).toEqual(['a', 'b', 'c']);
    b.open();
    c.open();
    await writes.settled();
  });

  it('throws a failed write from the start that waits for it, and from settled once every write has ended', async () => {
    const writes = new WriteBehind(1);
    const a = gate();
    await writes.start(() => a.promise);
    a.fail(new Error('refused'));
    await expect(writes.start(() => Promise.resolve())).rejects.toThrow('refused');

    const behind = new WriteBehind(2);
    const [b, c] = [gate(), gate()];
    await behind.start(() => b.promise);
    await behind.start(() => c.promise);
    let settled = false;
    const done = behind.settled().finally(() => (settled = true));
    done.catch(() => undefined);
    b.fail(new Error('first'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(false); // c is still writing
    c.open();
    await expect(done).rejects.toThrow('first');
  });
});
