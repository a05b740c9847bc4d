import { createTestDatabase, type TestDatabase } from '../../../test/support/database';
import { escapeLiteral } from 'pg';
import { StatementBatch, quote } from './statement-batch';

/** Values written in as literals must reach PostgreSQL exactly as the same values sent as parameters. */
describe('StatementBatch', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
    await db.pool.query('CREATE TABLE sb (k int, j jsonb, t text, n numeric, b boolean, a uuid[], x text[])');
  });
  afterAll(() => db.drop());

  const insert =
    'INSERT INTO sb (k, j, t, n, b, a, x) VALUES ($1, $2::jsonb, $3, $4::numeric, $5, $6::uuid[], $7::text[])';
  const values = (k: number): unknown[] => [
    k,
    JSON.stringify({ s: `it's "q" \\ back\\slash \u00e9 \ud83d\ude00 $1 $$ \n`, n: [1.5, null] }),
    `O'Reilly \\n E'x' $2 \u0000`.replace('\u0000', ''),
    0.1,
    false,
    ['7f9c2ba4-e88f-11ea-adc1-0242ac120002'],
    ['a"b', 'c\\d', "e'f", ''],
  ];

  it('quotes a string as node-postgres does', () => {
    for (const text of [
      '',
      'a',
      "it's",
      'back\\slash',
      "both ' and \\",
      JSON.stringify({ s: "é 😀 \n 'q' \\" }),
    ])
      expect(quote(text)).toBe(escapeLiteral(text));
  });

  it('writes the same rows as parameters do, in one round trip, in order', async () => {
    await db.pool.query(insert, values(1));
    const client = await db.pool.connect();
    try {
      const batch = new StatementBatch(client);
      await batch.query(insert, values(2));
      await batch.query('UPDATE sb SET t = t || $1 WHERE k = $2', ['!', 2]);
      await db.pool.query('UPDATE sb SET t = t || $1 WHERE k = $2', ['!', 1]);
      const query = jest.spyOn(client, 'query');
      await batch.flush();
      expect(query).toHaveBeenCalledTimes(1);
    } finally {
      client.release();
    }
    const { rows } = await db.pool.query('SELECT j, t, n::text, b, a, x FROM sb ORDER BY k');
    expect(rows[1]).toEqual(rows[0]);
  });

  it('refuses a value PostgreSQL cannot store (NUL) with the same data error as parameters, whatever the text after it', async () => {
    const client = await db.pool.connect();
    try {
      const params = await client
        .query(insert, [...values(3).slice(0, 2), 'a\u0000b', ...values(3).slice(3)])
        .then(
          () => null,
          (e: { code?: string }) => e.code,
        );
      const batch = new StatementBatch(client);
      // Written into the query text, a NUL would end the query there (the protocol's strings are NUL-terminated).
      const inBatch = await batch
        .query(insert, [...values(4).slice(0, 2), "a\u0000'); DROP TABLE sb; --", ...values(4).slice(3)])
        .then(() => batch.flush())
        .then(
          () => null,
          (e: { code?: string }) => e.code,
        );
      expect(params).toBe('22021');
      expect(inBatch).toBe(params);
    } finally {
      client.release();
    }
    expect((await db.pool.query('SELECT count(*)::int AS n FROM sb')).rows[0].n).toBeGreaterThan(0);
  });
});
