import { fromRunStreamId } from '@ledger/domain';

/**
 * How an event's envelope is laid out in its `events` row (migration …012; measured in docs/performance.md, finding
 * 20). Every command's events carry the same six metadata fields (userId, commandId, recordedAt, schemaVersion,
 * command, payloadHash) and, in a run's stream, a `runId` that repeats the stream id: as JSON that was ~280 of a
 * chunk event's ~590 bytes. They are stored in typed columns instead, but only where the round trip is exact, so a
 * read gives back the very object (key order included) that was appended:
 *   * metadata: typed columns when it is a plain object whose first six keys are those six, in that order, each of
 *     a value its column gives back unchanged (a lowercase UUID, a `toISOString()` time in years 0001–9999, a
 *     smallint, text without NUL or a lone surrogate, the unpadded base64url of `digest`); the `metadata` JSON then
 *     holds the keys after them (`{}` as a rule). Any other metadata is stored verbatim, its typed columns NULL, as
 *     every row written before …012 is.
 *   * data: in a run's stream, a first key `runId` equal to the stream's run id is left out, and a chunk batch is
 *     packed (`DataLayout`, `data_layout`).
 */

/** The metadata columns of a row; all NULL for a verbatim row. */
export interface MetadataColumns {
  /** Milliseconds since the epoch of `recordedAt`. */
  readonly recordedAt: number;
  readonly userId: string;
  readonly commandId: string;
  readonly schemaVersion: number;
  /** `payloadHash`'s bytes as hex: the insert decodes it to bytea. */
  readonly payloadHash: string;
  readonly command: string;
  /** The keys after the six, as JSON. */
  readonly rest: string;
}

const COMPACT_KEYS = [
  'userId',
  'commandId',
  'recordedAt',
  'schemaVersion',
  'command',
  'payloadHash',
] as const;
/** PostgreSQL's output form of a uuid. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** What text cannot hold as it is: NUL, and a lone UTF-16 surrogate (UTF-8 would make it U+FFFD). */
const NOT_TEXT = /\0|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Years 0001–9999: what `toISOString()` writes as four digits and PostgreSQL's `to_char` (the `event_log` view, the
 * down migration) writes back the same; other times stay in verbatim JSON.
 */
const FIRST_MS = -62_135_596_800_000; // 0001-01-01T00:00:00.000Z (Date.UTC would read year 1 as 1901)
const LAST_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** The metadata as typed columns, or null when it must be stored verbatim (the round trip would not be exact). */
export function metadataColumns(metadata: unknown): MetadataColumns | null {
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) return null;
  // A class instance or a `toJSON` would make JSON.stringify write something else than its keys.
  const proto = Object.getPrototypeOf(metadata);
  if ((proto !== Object.prototype && proto !== null) || 'toJSON' in metadata) return null;
  const keys = Object.keys(metadata);
  if (keys.length < COMPACT_KEYS.length) return null;
  for (let i = 0; i < COMPACT_KEYS.length; i++) if (keys[i] !== COMPACT_KEYS[i]) return null;
  const m = metadata as Record<string, unknown>;
  const { userId, commandId, recordedAt, schemaVersion, command, payloadHash } = m;
  if (typeof userId !== 'string' || !UUID.test(userId)) return null;
  if (typeof commandId !== 'string' || !UUID.test(commandId)) return null;
  if (typeof recordedAt !== 'string') return null;
  const ms = Date.parse(recordedAt);
  if (!(ms >= FIRST_MS && ms <= LAST_MS) || new Date(ms).toISOString() !== recordedAt) return null;
  if (
    !Number.isInteger(schemaVersion) ||
    (schemaVersion as number) < -32768 ||
    (schemaVersion as number) > 32767
  )
    return null;
  if (typeof command !== 'string' || NOT_TEXT.test(command)) return null;
  if (typeof payloadHash !== 'string') return null;
  // Node's decoder skips what is not base64url: only a digest that encodes back to itself is stored as bytes.
  const hashBytes = Buffer.from(payloadHash, 'base64url');
  if (hashBytes.toString('base64url') !== payloadHash) return null;
  // fromEntries defines the keys (a `__proto__` key stays a key, as in the object appended).
  const rest =
    keys.length > COMPACT_KEYS.length
      ? JSON.stringify(Object.fromEntries(keys.slice(COMPACT_KEYS.length).map((k) => [k, m[k]])))
      : '{}';
  return {
    recordedAt: ms,
    userId,
    commandId,
    schemaVersion: schemaVersion as number,
    payloadHash: hashBytes.toString('hex'),
    command,
    rest,
  };
}

/** How a row's `data` column holds the event's data (`data_layout`; NULL: verbatim JSON). */
export const DataLayout = {
  /** The JSON without its leading `runId`, which equals the run stream's id. */
  RunIdLeftOut: 1,
  /**
   * A chunk batch `{runId, taskId, chunks}` (events schema 4's `ChunksReceived`): `runId` left out, `taskId` in the
   * `task_id` column, and the JSON is the chunks alone, each text chunk `{seq, kind, text, offsetMs}` as the array
   * `[seq, kind, text, offsetMs]` (any other chunk stays an object): the keys were 40 of a chunk's ~70 bytes.
   */
  Chunks: 2,
} as const;
export type DataLayout = (typeof DataLayout)[keyof typeof DataLayout];

/** The row's data: its JSON text, how it is laid out, and the task id taken out of it. */
export interface DataColumns {
  readonly json: string;
  readonly layout: DataLayout | null;
  readonly taskId: string | null;
}

const TEXT_CHUNK_KEYS = ['seq', 'kind', 'text', 'offsetMs'] as const;

/** Whether JSON.stringify writes `value` as the plain object of its own keys, in order. */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return (proto === Object.prototype || proto === null) && !('toJSON' in value);
}

/** A chunk that is written as `[seq, kind, text, offsetMs]` and read back as the same object. */
function isTextChunk(chunk: unknown): chunk is { seq: number; kind: string; text: string; offsetMs: number } {
  if (!isPlainObject(chunk)) return false;
  const keys = Object.keys(chunk);
  if (keys.length !== 4) return false;
  for (let i = 0; i < 4; i++) if (keys[i] !== TEXT_CHUNK_KEYS[i]) return false;
  return (
    Number.isFinite(chunk.seq) &&
    typeof chunk.kind === 'string' &&
    typeof chunk.text === 'string' &&
    Number.isFinite(chunk.offsetMs)
  );
}

/** The chunks as stored in the `Chunks` layout, or null when `data` is not a chunk batch of this run. */
function packChunks(runId: string, data: unknown): { json: string; taskId: string } | null {
  if (!isPlainObject(data)) return null;
  const keys = Object.keys(data);
  if (keys.length !== 3 || keys[0] !== 'runId' || keys[1] !== 'taskId' || keys[2] !== 'chunks') return null;
  const { runId: id, taskId, chunks } = data;
  if (id !== runId || typeof taskId !== 'string' || !UUID.test(taskId)) return null;
  if (!Array.isArray(chunks) || 'toJSON' in chunks) return null;
  // Any other element is written as JSON.stringify writes it in an array, as it was in the batch; the batch stays
  // unpacked for an element that is an array (it would read back as a text chunk) or an object JSON.stringify would
  // not write as its own keys.
  const packed: unknown[] = new Array(chunks.length);
  for (let i = 0; i < chunks.length; i++) {
    const c: unknown = chunks[i];
    if (isTextChunk(c)) packed[i] = [c.seq, c.kind, c.text, c.offsetMs];
    else if (c === null || typeof c !== 'object' || isPlainObject(c)) packed[i] = c;
    else return null;
  }
  return { json: JSON.stringify(packed), taskId };
}

/**
 * The data as its row holds it. `runId` is left out only when it is the first key and equals the run stream's id;
 * a chunk batch of the stream's run is packed (`DataLayout.Chunks`); anything else is `JSON.stringify(data)`.
 */
export function dataColumns(streamId: string, data: unknown): DataColumns {
  const runId = fromRunStreamId(streamId);
  const ofRun = runId !== null && UUID.test(runId);
  if (ofRun) {
    const chunks = packChunks(runId, data);
    if (chunks) return { json: chunks.json, layout: DataLayout.Chunks, taskId: chunks.taskId };
  }
  const json = JSON.stringify(data);
  if (ofRun && typeof json === 'string') {
    // On the text, which is what is stored: `{"runId":"<id>",…}` becomes `{…}`.
    const prefix = `{"runId":"${runId}"`;
    if (json.startsWith(prefix)) {
      const next = json[prefix.length];
      if (next === '}') return { json: '{}', layout: DataLayout.RunIdLeftOut, taskId: null };
      if (next === ',')
        return { json: `{${json.slice(prefix.length + 1)}`, layout: DataLayout.RunIdLeftOut, taskId: null };
    }
  }
  return { json, layout: null, taskId: null };
}

/** A row's metadata columns as node-postgres returns them (bytea as a Buffer; bigint as text, or a number where
 * @ledger/database's parser is installed). */
export interface StoredMetadataColumns {
  recorded_at: string | number | null;
  user_id: string | null;
  command_id: string | null;
  schema_version: number | null;
  payload_hash: Buffer | null;
  command: string | null;
}

/**
 * The metadata as appended: the verbatim JSON, or the six typed fields followed by the rest. `recordedAt` of the
 * previous row is passed back in (`last`), as a command's events are next to each other and share it.
 */
export function readMetadata(
  row: StoredMetadataColumns,
  json: Record<string, unknown>,
  last: { ms: string | number | null; iso: string },
): Record<string, unknown> {
  if (row.user_id === null) return json;
  if (row.recorded_at !== last.ms) {
    last.ms = row.recorded_at;
    last.iso = new Date(Number(row.recorded_at)).toISOString();
  }
  const metadata: Record<string, unknown> = {
    userId: row.user_id,
    commandId: row.command_id,
    recordedAt: last.iso,
    schemaVersion: row.schema_version,
    command: row.command,
    payloadHash: (row.payload_hash as Buffer).toString('base64url'),
  };
  // The keys after the six (none as a rule); spread defines them, so a `__proto__` key stays a key.
  return Object.keys(json).length === 0 ? metadata : { ...metadata, ...json };
}

/** The data as appended, from its row's `data`, `data_layout` and `task_id`. */
export function readData(
  streamId: string,
  json: unknown,
  layout: DataLayout | null,
  taskId: string | null,
): unknown {
  if (layout === null) return json;
  const runId = fromRunStreamId(streamId);
  if (layout === DataLayout.RunIdLeftOut) return { runId, ...(json as Record<string, unknown>) };
  if (layout !== DataLayout.Chunks)
    throw new Error(`events row with an unknown data_layout ${String(layout)}`);
  const packed = json as unknown[];
  const chunks: unknown[] = new Array(packed.length);
  for (let i = 0; i < packed.length; i++) {
    const c = packed[i];
    chunks[i] = Array.isArray(c) ? { seq: c[0], kind: c[1], text: c[2], offsetMs: c[3] } : c;
  }
  return { runId, taskId, chunks };
}
