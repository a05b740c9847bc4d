import type { Queryable } from './projector.sql';
import type { Row } from './run-view.rows';

type Value = string | number | boolean | null | readonly string[];

/**
 * Writes that need no answer, gathered and sent as ONE multi-statement query (PostgreSQL's simple protocol, the
 * parameters written in as literals) instead of one round trip each: the projector's batch (runs, tasks, usage,
 * shares, checkpoint) costs one round trip where it cost five. Inside the caller's transaction, a statement that
 * fails aborts it and the ones after it are not run, as when they are sent one by one. A statement whose
 * parameters cannot be written as literals here (a NUL; none of the projector's other values) first sends what was gathered, then
 * goes on its own, so the order is kept.
 */
export class StatementBatch implements Queryable {
  private readonly statements: string[] = [];

  constructor(private readonly target: Queryable) {}

  async query<R extends Row = Row>(
    text: string,
    values: unknown[] = [],
  ): Promise<{ rows: R[]; rowCount: number | null }> {
    if (!values.every(isValue)) {
      await this.flush();
      return this.target.query<R>(text, values);
    }
    // One pass over the statement's own text: the literals put in are never scanned again.
    this.statements.push(text.replace(/\$(\d+)/g, (_, n: string) => literal(values[Number(n) - 1])));
    return { rows: [], rowCount: null };
  }

  /** Sends what was gathered (nothing when empty). */
  async flush(): Promise<void> {
    if (this.statements.length === 0) return;
    const sql = this.statements.join(';\n');
    this.statements.length = 0;
    await this.target.query(sql);
  }
}

/**
 * Whether a value can be written in as a literal. Not a string holding NUL: the protocol's query text is
 * NUL-terminated, so PostgreSQL would see the query end there (a protocol error, not the data error the value is);
 * sent as a parameter, it is refused as a data error like any value PostgreSQL cannot store.
 */
function isValue(value: unknown): value is Value {
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return true;
  if (typeof value === 'string') return !value.includes('\u0000');
  return Array.isArray(value) && value.every((v) => typeof v === 'string' && !v.includes('\u0000'));
}

/**
 * A string literal as node-postgres's `escapeLiteral` writes it (quotes doubled; with a backslash, the E'' form
 * with backslashes doubled), by native replaces rather than its loop over every character: a batch's JSON is
 * hundreds of kilobytes, and that loop cost the server more than the round trips saved.
 */
export function quote(text: string): string {
  const body = text.replace(/'/g, "''");
  return text.includes('\\') ? ` E'${body.replace(/\\/g, '\\\\')}'` : `'${body}'`;
}

function literal(value: Value): string {
  if (value === null) return 'NULL';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new RangeError(`not a finite number: ${value}`);
    return `'${value}'`;
  }
  if (typeof value === 'boolean') return `'${value}'`;
  if (typeof value === 'string') return quote(value);
  // An array in PostgreSQL's array text form, cast where the statement casts its parameter.
  return quote(`{${value.map((v) => `"${v.replace(/[\\"]/g, (c) => `\\${c}`)}"`).join(',')}}`);
}
