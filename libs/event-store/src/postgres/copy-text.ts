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
  /** The bytes after the last newline so far, in the chunks they came in (joined once their row is complete). */
  private rest: Buffer[] = [];

  /** The complete rows in `chunk` and what was held back before it. */
  push(chunk: Buffer): string[][] {
    // Only the new chunk is searched, and what was held back is joined to it once: a row longer than many chunks
    // (a 10 MB event) is copied once, not once a chunk.
    const last = chunk.lastIndexOf(10);
    if (last < 0) {
      if (chunk.length > 0) this.rest.push(chunk);
      return [];
    }
    const bytes = this.rest.length > 0 ? Buffer.concat([...this.rest, chunk]) : chunk;
    const end = bytes.length - chunk.length + last;
    this.rest = end + 1 < bytes.length ? [bytes.subarray(end + 1)] : [];
    // A line decoded at a time, not the chunk: a field is a slice of the string it was split from and keeps all of it
    // alive as long as it lives (chunk-wide strings ran a rebuild out of its heap). What is kept longer than the
    // row is made a string of its own (`ownString`).
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
    const held = this.rest.reduce((n, b) => n + b.length, 0);
    if (held > 0) throw new Error(`COPY output ended inside a row (${held} bytes after the last newline)`);
  }
}

/**
 * `value` as a string of its own. A piece of 13 characters or more cut from a string (by `split`, `slice`) is a view
 * into it in V8, and keeps all of it alive: an id kept from a COPY row (the run id of a run a rebuild dropped from
 * memory, kept for the whole pass) would keep its row, whatever its size (a chunk batch, a 100 KB prompt). Joined to
 * one more character, the value is copied into a new string when cut again; 3 MB rather than 200 MB for 2,000 ids
 * kept from rows of 100 KB.
 */
export function ownString(value: string): string {
  return value.length < 13 ? value : ` ${value}`.slice(1);
}
