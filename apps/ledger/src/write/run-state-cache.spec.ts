import { initialRunState } from '@ledger/domain';
import type { RunSlot } from './run-slot';
import { RunStateCache } from './run-state-cache';

/** An idle run with a durable state of about `bytes`. */
function idleRun(cache: RunStateCache, runId: string, bytes: number): RunSlot {
  const slot = cache.take(runId);
  slot.state = { ...initialRunState(), version: 3 };
  slot.durableVersion = 3;
  slot.bytes = bytes;
  cache.release(slot);
  return slot;
}

describe('RunStateCache', () => {
  it('is bounded by the approximate bytes of the idle states: the least recently used leave first', () => {
    const cache = new RunStateCache({ maxRuns: 100, maxBytes: 10_000 });
    idleRun(cache, 'a', 4_000);
    idleRun(cache, 'b', 4_000);
    expect(cache.peek('a')).toBeDefined();
    cache.take('a'); // a is used again: b is now the least recently used
    cache.release(cache.take('a'));
    idleRun(cache, 'c', 4_000);
    expect(cache.peek('b')).toBeUndefined();
    expect(cache.peek('a')).toBeDefined();
    expect(cache.peek('c')).toBeDefined();
    expect(cache.stats).toEqual({ idleRuns: 2, idleBytes: 8_000, busyRuns: 0 });
  });

  it('keeps no state larger than the bound alone (it is read again next time), and weighs a second durable state', () => {
    const cache = new RunStateCache({ maxRuns: 100, maxBytes: 10_000 });
    idleRun(cache, 'small', 1_000);
    idleRun(cache, 'huge', 20_000);
    expect(cache.peek('huge')).toBeUndefined();
    expect(cache.peek('small')).toBeDefined();
    const shared = cache.take('shared');
    shared.base = initialRunState();
    idleRun(cache, 'shared', 3_000);
    expect(cache.stats.idleBytes).toBe(1_000 + 6_000);
  });

  it('is bounded by count as well', () => {
    const cache = new RunStateCache({ maxRuns: 2, maxBytes: 1_000_000 });
    for (const id of ['a', 'b', 'c']) idleRun(cache, id, 10);
    expect(cache.stats.idleRuns).toBe(2);
    expect(cache.peek('a')).toBeUndefined();
  });

  it('never evicts a run with work, whatever the bounds, and drops a run that holds nothing durable', () => {
    const cache = new RunStateCache({ maxRuns: 1, maxBytes: 100 });
    const working = cache.take('working');
    working.queued = 1;
    working.bytes = 1_000_000;
    for (const id of ['x', 'y', 'z']) idleRun(cache, id, 50);
    expect(cache.peek('working')).toBe(working);
    expect(cache.working()).toEqual([working]);
    // A command refused on a run that does not exist (or another user's) leaves no slot behind.
    const refused = cache.take('refused');
    cache.release(refused);
    expect(cache.peek('refused')).toBeUndefined();
  });

  it('still knows the durable revision of a run whose state left, until the run is erased, and then that it was', () => {
    const cache = new RunStateCache({ maxRuns: 1, maxBytes: 1_000 });
    idleRun(cache, 'a', 100);
    idleRun(cache, 'b', 100); // evicts a
    idleRun(cache, 'huge', 5_000); // never kept
    expect(cache.peek('a')).toBeUndefined();
    expect(cache.knownVersion('a')).toBe(3);
    expect(cache.knownVersion('huge')).toBe(3);
    expect(cache.knownVersion('unknown')).toBeNull();
    expect(cache.erased('a')).toBe(false);
    cache.forget('a');
    expect(cache.knownVersion('a')).toBeNull();
    expect(cache.erased('a')).toBe(true);
  });
});
