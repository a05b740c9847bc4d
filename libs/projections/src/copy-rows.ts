import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Row } from './run-view.rows';

/**
 * Read-model rows as PostgreSQL's COPY text (a row a line, tab-separated, `\N` for NULL), for a rebuild's bulk
 * loads. The projector's statements send rows as one JSON array that PostgreSQL parses into `jsonb` and then takes
 * apart with `jsonb_to_recordset`, every value printed and parsed again as its column's type: 5.5 s of
 * PostgreSQL's CPU for the 24,000 rows of a 1M-event rebuild, where COPY of the same rows takes under 1 s
 * (docs/performance.md, finding 36).
 *
 * A value is written here only when COPY stores exactly what `jsonb_to_recordset` would store from its JSON: a
 * string in a text-like column, a safe integer in an integer or numeric one, a finite number in a double, a boolean
 * in a boolean, any value in a `jsonb` column (as JSON.stringify writes it), null as NULL. Any other value (a number
 * in a text column, a string that JSON cannot carry into PostgreSQL: a NUL or half a surrogate pair) makes the
 * rows `null`: the caller writes them with the JSON statement instead, which stores or refuses them as the
 * projector does, so a rebuild's rows and refusals stay the live projection's.
 */

type Column = readonly [column: string, sqlType: string, ...rest: unknown[]];

/** Characters COPY's text format escapes, and those that send a string to the JSON statement instead. */
const SPECIAL = /[\\\t\n\r\u0000\ud800-\udfff]/;
/** Half a surrogate pair (`isWellFormed` is ES2024; the project's library is ES2022). */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** A string as a COPY field, or null when it is to go by JSON (a NUL, a lone surrogate). */
function text(value: string): string | null {
  if (!SPECIAL.test(value)) return value;
  if (value.includes('\u0000') || LONE_SURROGATE.test(value)) return null;
  let out = value;
  if (out.includes('\\')) out = out.replaceAll('\\', '\\\\');
  if (out.includes('\t')) out = out.replaceAll('\t', '\\t');
  if (out.includes('\n')) out = out.replaceAll('\n', '\\n');
  if (out.includes('\r')) out = out.replaceAll('\r', '\\r');
  return out;
}

/**
 * JSON as a COPY field: JSON.stringify writes every control character and lone surrogate as an escape, so only its
 * backslashes need escaping for COPY.
 */
function json(value: string): string {
  return value.includes('\\') ? value.replaceAll('\\', '\\\\') : value;
}

/** A value as the COPY field of a column of `sqlType`; `undefined` when COPY would not store what JSON would. */
function field(value: unknown, sqlType: string): string | undefined {
  if (value === null || value === undefined) return '\\N';
  switch (sqlType) {
    case 'jsonb': {
      const written = JSON.stringify(value) as string | undefined;
      // JSON's null (NaN, a toJSON returning null) is SQL NULL in jsonb_to_recordset too.
      return written === undefined || written === 'null' ? '\\N' : json(written);
    }
    case 'bigint':
    case 'integer':
      return Number.isSafeInteger(value) ? String(value) : undefined;
    case 'numeric':
      if (typeof value === 'string') return text(value) ?? undefined;
      return Number.isSafeInteger(value) ? String(value) : undefined;
    case 'double precision':
      // JSON writes NaN and the infinities as null.
      if (typeof value !== 'number') return undefined;
      return Number.isFinite(value) ? String(value) : '\\N';
    case 'boolean':
      return typeof value === 'boolean' ? (value ? 't' : 'f') : undefined;
    default: // text, uuid, timestamptz
      return typeof value === 'string' ? (text(value) ?? undefined) : undefined;
  }
}

/** The rows as COPY text lines, or null when one holds a value COPY would store differently (see above). */
export function copyLines(columns: readonly Column[], rows: readonly Row[]): string[] | null {
  const lines: string[] = new Array(rows.length);
  const fields: string[] = new Array(columns.length);
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r];
    for (let c = 0; c < columns.length; c++) {
      const f = field(row[columns[c][0]], columns[c][1]);
      if (f === undefined) return null;
      fields[c] = f;
    }
    lines[r] = `${fields.join('\t')}\n`;
  }
  return lines;
}

/** Lines sent in pieces of about this many characters (one socket write each, not one a row). */
const PIECE_CHARS = 256 * 1024;

function* pieces(lines: readonly string[]): Generator<string> {
  let piece = '';
  for (const line of lines) {
    piece += line;
    if (piece.length >= PIECE_CHARS) {
      yield piece;
      piece = '';
    }
  }
  if (piece) yield piece;
}

/** `COPY table (columns) FROM STDIN` of `lines` on `client`. */
export async function copyInto(
  client: PoolClient,
  table: string,
  columns: readonly Column[],
  lines: readonly string[],
): Promise<void> {
  const list = columns.map(([c]) => c).join(', ');
  await pipeline(Readable.from(pieces(lines)), client.query(copyFrom(`COPY ${table} (${list}) FROM STDIN`)));
}
