import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { grownText } from './flat-text';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Heap bytes held by what `make` returns (after full collections before and after). */
function heldBytes(make: () => unknown): { bytes: number; value: unknown } {
  gc();
  const before = process.memoryUsage().heapUsed;
  const value = make();
  gc();
  return { bytes: process.memoryUsage().heapUsed - before, value };
}

describe('grownText: a text kept while it grows is flattened as it grows', () => {
  // Token-sized pieces made at run time (as JSON.parse makes a chunk's text), appended one batch after another.
  const piece = (i: number) => JSON.parse(`"t${i % 97}ab"`) as string;
  const grow = (keep: (text: string, from: number) => string) =>
    Array.from({ length: 200 }, () => {
      let text = '';
      for (let batch = 0; batch < 1000; batch++) {
        const from = text.length;
        text = keep(text + piece(batch) + piece(batch + 1), from);
      }
      return text;
    });

  it('holds the texts in about their own size, where ropes of their pieces take several times more', () => {
    const ropes = heldBytes(() => grow((text) => text));
    const kept = heldBytes(() => grow(grownText));
    const chars = (kept.value as string[]).reduce((n, t) => n + t.length, 0);
    expect(kept.value).toEqual(ropes.value);
    expect(ropes.bytes).toBeGreaterThan(4 * chars);
    expect(kept.bytes).toBeLessThan(2 * chars);
  });
});
