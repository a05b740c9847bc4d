import fc from 'fast-check';
import { isoTime } from './run-view.time';

/** What isoTime did before its fast path: the Date round trip. */
function slow(value: string): string {
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) throw new Error(`not a timestamp: ${value}`);
  return d.toISOString();
}

function same(value: string): void {
  let expected: string | Error;
  try {
    expected = slow(value);
  } catch (error) {
    expected = error as Error;
  }
  if (expected instanceof Error) expect(() => isoTime(value)).toThrow(expected.message);
  else expect(isoTime(value)).toBe(expected);
}

describe('isoTime', () => {
  it('gives what the Date round trip gives, for every date toISOString can write', () => {
    fc.assert(
      fc.property(
        fc.date({
          min: new Date('0000-01-01T00:00:00.000Z'),
          max: new Date('9999-12-31T23:59:59.999Z'),
          noInvalidDate: true,
        }),
        (d) => same(d.toISOString()),
      ),
    );
  });

  it('gives what the Date round trip gives for strings of the canonical shape with any digits', () => {
    const two = fc.integer({ min: 0, max: 99 }).map((n) => String(n).padStart(2, '0'));
    const shaped = fc
      .tuple(fc.integer({ min: 0, max: 9999 }), two, two, two, two, two, fc.integer({ min: 0, max: 999 }))
      .map(
        ([y, mo, d, h, mi, s, ms]) =>
          `${String(y).padStart(4, '0')}-${mo}-${d}T${h}:${mi}:${s}.${String(ms).padStart(3, '0')}Z`,
      );
    fc.assert(fc.property(shaped, same), { numRuns: 2000 });
  });

  it.each([
    '2025-02-29T00:00:00.000Z',
    '2024-02-29T00:00:00.000Z',
    '1900-02-29T00:00:00.000Z',
    '2000-02-29T00:00:00.000Z',
    '2025-04-31T00:00:00.000Z',
    '2025-01-01T24:00:00.000Z',
    '2025-01-01T23:59:60.000Z',
    '2025-13-01T00:00:00.000Z',
    '2025-00-10T00:00:00.000Z',
    '2025-01-00T00:00:00.000Z',
    '2025-01-01T00:00:00.000+00:00',
    '2025-01-01T10:00:00Z',
    '2025-01-01T10:00:00.1234Z',
    '2025-01-01 10:00:00.000Z',
    '2025-0a-01T10:00:00.000Z',
    '+02025-01-01T10:00:00.000Z',
    'not a time',
  ])('%s: as the Date round trip', (value) => same(value));
});
