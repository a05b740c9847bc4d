import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { grownText } from './flat-text';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/**
 * Heap bytes the texts `make` returns hold: the heap with them less the heap once they are dropped, both after a
 * full collection (whatever else the process holds is in both). Also returns the first text and the characters.
 */
function heldBytes(make: () => string[]): { bytes: number; first: string; chars: number } {
  let texts: string[] | null = make();
  const first = texts[0];
  const chars = texts.reduce((n, t) => n + t.length, 0);
  gc();
  const withTexts = process.memoryUsage().heapUsed;
  texts = null;
  gc();
  return { bytes: withTexts - process.memoryUsage().heapUsed, first, chars };
}

describe('grownText: a text kept while it grows is flattened as it grows', () => {
  // Token-sized pieces made at run time (as JSON.parse makes a chunk's text), appended one batch after another.
  const piece = (i: number) => JSON.parse(`"t${i % 97}ab"`) as string;
  const grow = (keep: (text: string, from: number) => string) => () =>
    Array.from({ length: 200 }, () => {
      let text = '';
      for (let batch = 0; batch < 1000; batch++) {
        const from = text.length;
        text = keep(text + piece(batch) + piece(batch + 1), from);
      }
      return text;
    });

  it('holds the texts in about their own size, where ropes of their pieces take several times more', () => {
    const ropes = heldBytes(grow((text) => text));
    const kept = heldBytes(grow(grownText));
    expect(kept.first).toBe(ropes.first);
    expect(ropes.bytes).toBeGreaterThan(4 * ropes.chars);
    expect(kept.bytes).toBeLessThan(2 * kept.chars);
  });
});
