/**
 * PostgreSQL's COPY text format, as `COPY … TO STDOUT` writes it: a row a line, its columns separated by tabs, NULL
 * written `\N`, and in a value a backslash, a tab, a newline, a carriage return, a backspace, a form feed and a
 * vertical tab written as `\\`, `\t`, `\n`, `\r`, `\b`, `\f` and `\v` (CopyAttributeOutText in PostgreSQL's copyto.c:
 * no other escape is written). Every other character is written as it is, so a line ends at the first raw newline.
 */

const ESCAPED = /\\(.)/g;
const UNESCAPED: Readonly<Record<string, string>> = {
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
};

/** A column's value as written, or null for NULL. */
export function copyValue(field: string): string | null {
  if (field.length === 2 && field === '\\N') return null;
  // Most values hold no backslash (ids, numbers, names): returned as they are.
  return field.indexOf('\\') < 0 ? field : field.replace(ESCAPED, (_, c: string) => UNESCAPED[c] ?? c);
}

/**
 * Splits a stream of COPY text into rows of raw fields (`copyValue` reads each). The stream comes in chunks cut
 * anywhere, in a UTF-8 character too: a chunk's bytes after its last newline wait for the next one (a newline byte
 * is never part of a multi-byte character).
 */
export class CopyLines {
  private rest: Buffer | null = null;

  /** The complete rows in `chunk` and what was held back before it. */
  push(chunk: Buffer): string[][] {
    const bytes = this.rest ? Buffer.concat([this.rest, chunk]) : chunk;
    const end = bytes.lastIndexOf(10);
    if (end < 0) {
      this.rest = bytes.length > 0 ? bytes : null;
      return [];
    }
    this.rest = end + 1 < bytes.length ? bytes.subarray(end + 1) : null;
    // A line decoded at a time, not the chunk: a value kept from a row (a run's id in a view held in memory) is a
    // slice of the string it was split from, and keeps all of it alive (chunk-wide strings ran a rebuild out of its
    // heap; a line is a few hundred bytes).
    const rows: string[][] = [];
    for (let start = 0; start <= end;) {
      const newline = bytes.indexOf(10, start);
      rows.push(bytes.toString('utf8', start, newline).split('\t'));
      start = newline + 1;
    }
    return rows;
  }

  /** Throws when the stream ended inside a row (COPY ends every row with a newline). */
  end(): void {
    if (this.rest)
      throw new Error(`COPY output ended inside a row (${this.rest.length} bytes after the last newline)`);
  }
}
