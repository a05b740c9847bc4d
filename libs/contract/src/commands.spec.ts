import fc from 'fast-check';
import { chunkInput, isPlainTextChunk, MAX_CHUNK_SEQ, MAX_MILLIS } from './commands';

/** The SDK's check of a text chunk without a parse (isPlainTextChunk) never lets through what the schema refuses. */
describe('isPlainTextChunk', () => {
  const accepted = (text: unknown, seq: number, offsetMs: number) =>
    chunkInput.safeParse({ text, seq, offsetMs }).success;

  it('says yes only where chunkInput accepts the chunk, and to every chunk it accepts', () => {
    const number = fc.oneof(
      fc.integer({ min: -5, max: MAX_CHUNK_SEQ + 5 }),
      fc.double(),
      fc.constantFrom(MAX_CHUNK_SEQ, MAX_CHUNK_SEQ + 1, MAX_MILLIS, MAX_MILLIS + 1, 1e12 + 0.5, -0, 0.5),
      fc.constantFrom(NaN, Infinity, -Infinity, Number.MAX_SAFE_INTEGER),
    );
    const text = fc.oneof(fc.string(), fc.constantFrom(undefined, null, 5, {}, ['a']));
    fc.assert(
      fc.property(text, number, number, (t, seq, offsetMs) => {
        expect(isPlainTextChunk(t, seq, offsetMs)).toBe(accepted(t, seq, offsetMs));
      }),
      { numRuns: 5000 },
    );
  });

  it('takes the chunks an SDK makes: any text, seq from 0, a whole-ms offset', () => {
    expect(isPlainTextChunk('', 0, 0)).toBe(true);
    expect(isPlainTextChunk('Hello', MAX_CHUNK_SEQ, MAX_MILLIS)).toBe(true);
    expect(isPlainTextChunk('Hello', MAX_CHUNK_SEQ + 1, 0)).toBe(false);
    expect(isPlainTextChunk('Hello', 1, MAX_MILLIS + 1)).toBe(false);
  });
});
