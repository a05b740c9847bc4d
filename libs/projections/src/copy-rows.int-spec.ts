import { createTestDatabase, type TestDatabase } from '../../../test/support/database';
import { copyInto, copyLines } from './copy-rows';
import type { Row } from './run-view.rows';

/**
 * A rebuild loads its rows by COPY, the projector by a JSON array through `jsonb_to_recordset`: a value COPY takes
 * must be stored exactly as the JSON statement stores it, and a value it would store differently must not be
 * taken (the caller then writes it by JSON), so a rebuild's rows stay the live projection's.
 */
describe('copy-rows: read-model rows by COPY', () => {
  const columns = [
    ['id', 'integer'],
    ['u', 'uuid'],
    ['t', 'text'],
    ['j', 'jsonb'],
    ['n', 'numeric'],
    ['b', 'bigint'],
    ['d', 'double precision'],
    ['f', 'boolean'],
    ['at', 'timestamptz'],
  ] as const;
  const def = columns.map(([c, t]) => `${c} ${t}`).join(', ');
  const list = columns.map(([c]) => c).join(', ');

  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
    await db.pool.query(`CREATE TABLE by_json (${def}); CREATE TABLE by_copy (${def})`);
  });
  afterAll(() => db.drop());

  const tricky = [
    'tab\there',
    'line\nbreak\r\nand return',
    'back\\slash \\N \\t',
    '\\N',
    '',
    'é 中文 😀 "quoted" \'single\'',
    '\u0001\u001f control',
  ];
  const rows: Row[] = tricky.map((t, i) => ({
    id: i,
    u: '7f9c2ba4-e88f-11ea-adc1-0242ac12000' + String(i),
    t,
    j: { t, nested: [t, i, 1.5e-7, null, true], n: null },
    n: i % 2 ? '0.000000001' : 9007199254740991,
    b: i % 2 ? -42 : 0,
    d: [1e-7, 123.456, NaN, Infinity, 0.1 + 0.2, -0, 5e300][i],
    f: i % 2 === 0,
    at: '2025-03-01T10:00:00.123Z',
  }));
  rows.push({ id: 99, u: null, t: null, j: null, n: null, b: null, d: null, f: null, at: null });
  rows.push({ id: 100, j: 'a JSON string', t: 'x' }); // missing keys are NULL too
  rows.push({ id: 101, j: NaN }); // JSON writes it null: SQL NULL, not the jsonb null

  it('stores every value as the JSON statement does', async () => {
    await db.pool.query(
      `INSERT INTO by_json (${list}) SELECT ${list} FROM jsonb_to_recordset($1::jsonb) AS r(${def})`,
      [JSON.stringify(rows)],
    );
    const lines = copyLines(columns, rows);
    expect(lines).not.toBeNull();
    const client = await db.pool.connect();
    try {
      await copyInto(client, 'by_copy', columns, lines!);
    } finally {
      client.release();
    }
    const read = async (table: string) =>
      (await db.pool.query<{ r: string }>(`SELECT x::text AS r FROM ${table} x ORDER BY id`)).rows.map(
        (r) => r.r,
      );
    const byJson = await read('by_json');
    expect(byJson).toHaveLength(rows.length);
    expect(await read('by_copy')).toEqual(byJson);
  });

  it('sends many rows in pieces and keeps them all', async () => {
    const many: Row[] = Array.from({ length: 5000 }, (_, i) => ({ id: 1000 + i, t: `${i}\t`.repeat(20) }));
    const client = await db.pool.connect();
    try {
      await copyInto(client, 'by_copy', columns, copyLines(columns, many)!);
    } finally {
      client.release();
    }
    const { rows: got } = await db.pool.query<{ n: number; chars: number }>(
      `SELECT count(*)::int AS n, sum(length(t))::int AS chars FROM by_copy WHERE id >= 1000`,
    );
    expect(got[0]).toEqual({ n: 5000, chars: many.reduce((s, r) => s + (r.t as string).length, 0) });
  });

  it.each([
    ['a NUL in a text', { t: 'a\u0000b' }],
    ['half a surrogate pair in a text', { t: 'a\ud83d' }],
    ['a number in a text column', { t: 5 }],
    ['an integer past 2^53 in a bigint', { b: 2 ** 60 }],
    ['a fraction in a bigint', { b: 1.5 }],
    ['a fractional number in a numeric', { n: 0.1 }],
    ['a string in a boolean', { f: 'true' }],
    ['a string in a double', { d: '1.5' }],
    ['a date object in a timestamp', { at: new Date(0) }],
  ])('leaves the rows to the JSON statement for %s', (_, row) => {
    expect(copyLines(columns, [{ id: 1, ...row }])).toBeNull();
  });
});
