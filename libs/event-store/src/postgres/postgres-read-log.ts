import { types, type Pool, type PoolClient } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { RUN_STREAM_PREFIX } from '@ledger/domain';
import type { GlobalPosition, RecordedEvent } from '../event-store.port';
import { CopyLines, copyValue, ownString } from './copy-text';
import { toStoreError } from './postgres-errors';
import { logPageSql } from './postgres-read';
import { toRecordedRows, type EventRow } from './postgres-rows';

/**
 * A whole pass over the log (a rebuild's) read with `COPY (SELECT …) TO STDOUT`: the rows come as one stream of
 * text that is split here, where node-postgres would parse each row's sixteen columns one by one (its `parseRow`
 * and per-column decoding were a quarter of a rebuild's thread; this reads a 1M-event log with half the CPU,
 * docs/performance.md, finding 35). The same rows as pages of `readAll`, in the same order, with the same rule of
 * what is visible, and each column read by the parser node-postgres would use for it, so the events are the same.
 */

/** Rows a COPY statement reads: each is its own short query (no snapshot held for the whole log). */
export const LOG_COPY_ROWS = 50_000;

/** `EVENT_COLUMNS`' types, in order: each column read by node-postgres's parser for it (the pool's, INT8 included). */
const COLUMN_TYPES = [
  types.builtins.INT8, // position
  types.builtins.TEXT, // transaction_id::text
  types.builtins.TEXT, // stream_id
  types.builtins.INT8, // stream_revision
  types.builtins.UUID, // event_id
  types.builtins.TEXT, // type
  types.builtins.JSON, // data
  types.builtins.JSON, // metadata
  types.builtins.INT2, // data_layout
  types.builtins.UUID, // task_id
  types.builtins.INT8, // recorded_at
  types.builtins.UUID, // user_id
  types.builtins.UUID, // command_id
  types.builtins.INT2, // schema_version
  types.builtins.BYTEA, // payload_hash
  types.builtins.TEXT, // command
] as const;

/** Columns read as strings: each made a string of its own, not a piece of its row's line (`ownString`). */
const STRING_TYPES: ReadonlySet<number> = new Set([types.builtins.TEXT, types.builtins.UUID]);

function parsers(): Array<(value: string) => unknown> {
  return COLUMN_TYPES.map((oid) => {
    const parse = types.getTypeParser(oid, 'text') as (value: string) => unknown;
    return STRING_TYPES.has(oid) ? (value: string) => ownString(parse(value) as string) : parse;
  });
}

function value(
  fields: readonly string[],
  parse: ReadonlyArray<(value: string) => unknown>,
  i: number,
): unknown {
  const text = copyValue(fields[i]);
  return text === null ? null : parse[i](text);
}

/** A COPY row as node-postgres would have made it from a `SELECT ${EVENT_COLUMNS}` row (one literal: one shape). */
function toRow(f: readonly string[], parse: ReadonlyArray<(value: string) => unknown>): EventRow {
  if (f.length !== COLUMN_TYPES.length)
    throw new Error(`COPY row with ${f.length} columns, ${COLUMN_TYPES.length} expected`);
  const row: Record<keyof EventRow, unknown> = {
    position: value(f, parse, 0),
    tx: value(f, parse, 1),
    stream_id: value(f, parse, 2),
    stream_revision: value(f, parse, 3),
    event_id: value(f, parse, 4),
    type: value(f, parse, 5),
    data: value(f, parse, 6),
    metadata: value(f, parse, 7),
    data_layout: value(f, parse, 8),
    task_id: value(f, parse, 9),
    recorded_at: value(f, parse, 10),
    user_id: value(f, parse, 11),
    command_id: value(f, parse, 12),
    schema_version: value(f, parse, 13),
    payload_hash: value(f, parse, 14),
    command: value(f, parse, 15),
  };
  return row as EventRow;
}

function copyStatement(
  client: PoolClient,
  after: GlobalPosition | null,
  rows: number,
  prefix: string,
): string {
  // COPY takes no parameters: the position's parts are bigints and the prefix is quoted by the client.
  const page = logPageSql({
    commit: `'${String(after?.commit ?? 0n)}'`,
    prepare: String(after?.prepare ?? 0n),
    limit: String(rows),
    pattern: client.escapeLiteral(`${prefix}%`),
  });
  return `COPY (${page}) TO STDOUT`;
}

/**
 * The run streams' events after `after`, in global order, in batches as the socket delivers them (a few hundred
 * rows each). Read `rowsPerCopy` at a time; ends when a COPY reads fewer. Backpressure is the stream's: nothing more
 * is read from the socket until the batch before has been taken.
 */
export async function* readLog(
  pool: Pool,
  after: GlobalPosition | null,
  rowsPerCopy = LOG_COPY_ROWS,
  streamPrefix: string = RUN_STREAM_PREFIX,
): AsyncGenerator<RecordedEvent[]> {
  const parse = parsers();
  let position = after;
  for (;;) {
    let client: PoolClient;
    try {
      client = await pool.connect();
    } catch (error) {
      throw toStoreError(error);
    }
    let read = 0;
    let finished = false;
    try {
      const lines = new CopyLines();
      const stream = client.query(copyTo(copyStatement(client, position, rowsPerCopy, streamPrefix)));
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        const rows = lines.push(chunk);
        if (rows.length === 0) continue;
        const events = toRecordedRows(rows.map((fields) => toRow(fields, parse)));
        read += events.length;
        position = events[events.length - 1].position;
        yield events;
      }
      lines.end();
      finished = true;
    } catch (error) {
      throw toStoreError(error);
    } finally {
      // A COPY left before its end (the reader stopped, or failed) leaves the connection mid-protocol: not reused.
      client.release(finished ? undefined : new Error('COPY of the log not read to its end'));
    }
    if (read < rowsPerCopy) return;
  }
}
