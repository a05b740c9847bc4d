import { LedgerError } from '@ledger/contract';
import { inspectPayload } from './payload';

function refusal(payload: unknown): LedgerError {
  try {
    inspectPayload(payload);
  } catch (error) {
    if (error instanceof LedgerError) return error;
    throw error;
  }
  throw new Error('accepted');
}

/** Finding 6 (issue 12): text PostgreSQL cannot store is refused at the edge, in keys as in values. */
describe('inspectPayload: text PostgreSQL cannot store', () => {
  it('refuses NUL in an object key, at any depth', () => {
    const e = refusal({ settings: { ok: [{ 'a\u0000b': 1 }] } });
    expect(e.code).toBe('VALIDATION');
    expect(e.message).toMatch(/keys may not contain the NUL character/);
    expect(e.details).toEqual({ path: 'settings.ok.0."a\\u0000b"' });
  });

  it.each([
    ['a lone high surrogate', 'x\ud83d'],
    ['a lone low surrogate', '\ude00y'],
    ['two halves in the wrong order', '\ude00\ud83d'],
  ])('refuses %s in a string and in a key', (_, text) => {
    expect(refusal({ settings: { note: text } }).message).toMatch(/strings may not contain a lone surrogate/);
    expect(refusal({ settings: { [text]: 1 } }).message).toMatch(/keys may not contain a lone surrogate/);
  });

  it('accepts every plane, paired surrogates and noncharacters', () => {
    const text = '\u0001\u007f\ufeff\ufffe\uffff😀\u{20000}\u{E0041}\u{10FFFF}';
    expect(() => inspectPayload({ settings: { [text]: text, nested: [{ [text]: [text] }] } })).not.toThrow();
  });
});
