import fc from 'fast-check';
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

/** The form inspectPayload had, a path array per value: the oracle its one-stack form must equal, error for error. */
function oracle(value: unknown, path: string[] = [], depth = 0): void {
  const fail = (message: string, at: string[]) => {
    throw new LedgerError('VALIDATION', message, { path: at.join('.') });
  };
  if (depth > 32) fail('payload nested deeper than 32 levels', path);
  if (typeof value === 'string') {
    if (value.includes('\u0000')) fail('strings may not contain the NUL character', path);
    if (/\p{Surrogate}/u.test(value))
      fail('strings may not contain a lone surrogate (half of a UTF-16 pair)', path);
    return;
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) fail('numbers must be finite', path);
    return;
  }
  if (value === null || typeof value === 'boolean') return;
  if (Array.isArray(value)) {
    value.forEach((v, i) => oracle(v, [...path, String(i)], depth + 1));
    return;
  }
  if (typeof value === 'object') {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) fail('only plain JSON values are accepted', path);
    for (const key of Object.keys(value)) {
      if (['__proto__', 'constructor', 'prototype'].includes(key))
        fail(`key "${key}" is not allowed`, [...path, key]);
      if (key.includes('\u0000'))
        fail('keys may not contain the NUL character', [...path, JSON.stringify(key)]);
      if (/\p{Surrogate}/u.test(key))
        fail('keys may not contain a lone surrogate (half of a UTF-16 pair)', [...path, JSON.stringify(key)]);
      oracle((value as Record<string, unknown>)[key], [...path, key], depth + 1);
    }
    return;
  }
  fail(`unsupported value of type ${typeof value}`, path);
}

const outcome = (check: (v: unknown) => void, value: unknown) => {
  try {
    check(value);
    return 'accepted';
  } catch (error) {
    const e = error as LedgerError;
    return { code: e.code, message: e.message, details: e.details };
  }
};

describe('inspectPayload against its former form', () => {
  // Plain JSON with odd text, and what it refuses: NUL, lone surrogates, non-finite numbers, forbidden keys, class
  // instances, undefined and functions, deep nesting.
  const leaf = fc.oneof(
    fc.jsonValue({ maxDepth: 1 }),
    fc.string({ unit: 'binary', maxLength: 6 }),
    fc.constantFrom('a\u0000b', 'x\ud83d', '\ude00', NaN, Infinity, new Date(0), undefined, () => 1),
  );
  const key = fc.oneof(
    fc.string({ maxLength: 4 }),
    fc.constantFrom('constructor', 'prototype', 'k\u0000', '\ud800'),
  );
  const value = fc.letrec((tie) => ({
    any: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leaf,
      fc.array(tie('any'), { maxLength: 4 }),
      fc.dictionary(key, tie('any'), { maxKeys: 4 }),
    ),
  })).any;
  const deep = (n: number): unknown => (n === 0 ? 'x' : { a: [deep(n - 1)] });

  it('accepts and refuses the same payloads, with the same error and path', () => {
    fc.assert(
      fc.property(value, (v) => {
        expect(outcome(inspectPayload, v)).toEqual(outcome(oracle, v));
      }),
      { numRuns: 3000 },
    );
    for (const n of [15, 16, 17, 40])
      expect(outcome(inspectPayload, deep(n))).toEqual(outcome(oracle, deep(n)));
  });
});
