import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { v5 as uuidv5, validate, version } from 'uuid';
import { LEDGER_NAMESPACE, canonicalJson, digest, eventIdFor, ledgerUuid } from './ids';

/** The plain form canonicalJson had: the oracle its faster form must equal, value for value. */
function oracle(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(oracle).join(',')}]`;
  const record = value as Record<string, unknown>;
  const entries = Object.keys(record)
    .filter((k) => record[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${oracle(record[k])}`);
  return `{${entries.join(',')}}`;
}

describe('canonicalJson and digest', () => {
  // JSON values, with undefined members (left out) and odd keys (quotes, unicode, numbers).
  const value = fc.letrec((tie) => ({
    any: fc.oneof(
      { depthSize: 'small' },
      fc.jsonValue({ maxDepth: 2 }),
      fc.constant(undefined),
      fc.array(tie('any'), { maxLength: 4 }),
      fc.dictionary(fc.string({ unit: 'grapheme' }), tie('any'), { maxKeys: 5 }),
    ),
  })).any;

  it('gives the oracle’s text for any value, and digests of that text', () => {
    fc.assert(
      fc.property(value, (v) => {
        expect(canonicalJson(v)).toBe(oracle(v));
        const expected = createHash('sha256').update(oracle(v)).digest('base64url').slice(0, 16);
        expect(digest(v, 16)).toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });

  it('writes a hole of a sparse array as join() does, and undefined as null', () => {
    const sparse = [1, , 2, undefined];
    expect(canonicalJson(sparse)).toBe(oracle(sparse));
    expect(canonicalJson(sparse)).toBe('[1,,2,null]');
  });

  it('sorts keys and leaves undefined members out', () => {
    expect(canonicalJson({ b: 1, a: [undefined, { d: undefined, c: 'x' }], e: undefined })).toBe(
      '{"a":[null,{"c":"x"}],"b":1}',
    );
  });
});

describe('ledgerUuid', () => {
  it('is the uuid package’s v5 in LEDGER_NAMESPACE for any name (ASCII, any unicode, long)', () => {
    const name = fc.oneof(
      fc.string(),
      fc.string({ unit: 'grapheme', maxLength: 40 }),
      fc.string({ unit: 'binary', maxLength: 40 }),
      fc.string({ minLength: 200, maxLength: 2000 }),
    );
    fc.assert(
      fc.property(name, (n) => {
        const id = ledgerUuid(n);
        expect(id).toBe(uuidv5(n, LEDGER_NAMESPACE));
        expect(validate(id) && version(id)).toBe(5);
      }),
      { numRuns: 3000 },
    );
  });

  it('names every event id of a command apart, the same on a retry', () => {
    const user = '7f1c6a52-4f5e-4b8e-9b7a-1c2d3e4f5a6b';
    const ids = [0, 1, 2].map((i) => eventIdFor(user, 'cmd-1', i));
    expect(new Set(ids).size).toBe(3);
    expect(eventIdFor(user, 'cmd-1', 1)).toBe(ids[1]);
    expect(ids[0]).toBe(uuidv5(`${user}/cmd-1/0`, LEDGER_NAMESPACE));
  });
});
