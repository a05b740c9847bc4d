import * as crypto from 'node:crypto';
import { parse as parseUuid, v5 as uuidv5 } from 'uuid';

/** Namespace of every id the ledger derives (UUIDv5). */
export const LEDGER_NAMESPACE = '6f1c1f6e-3c1a-5d0e-9a53-8d2f4b0c7a11';

/** The prefix of every stream the ledger writes: one stream per run, `run-<runId>` (the only place it is spelt). */
export const RUN_STREAM_PREFIX = 'run-';

/** The one function that owns the stream id format. */
export function toRunStreamId(runId: string): string {
  return `${RUN_STREAM_PREFIX}${runId}`;
}
export function fromRunStreamId(streamId: string): string | null {
  return isRunStreamId(streamId) ? streamId.slice(RUN_STREAM_PREFIX.length) : null;
}
/** A run stream, never a system stream (EventStoreDB's `$…`, `$$run-…` metadata streams, index streams). */
export function isRunStreamId(streamId: string): boolean {
  return streamId.startsWith(RUN_STREAM_PREFIX);
}

/** The namespace's 16 bytes, which every name hashed follows. */
const NAMESPACE_BYTES = Buffer.from(parseUuid(LEDGER_NAMESPACE));
/** The hex digit of the RFC's variant (binary 10xx) for each value of its two low bits. */
const VARIANT_DIGITS = '89ab';

/**
 * The UUIDv5 of a name in LEDGER_NAMESPACE (RFC 9562 §5.5): equal to `uuid`'s `v5(name, LEDGER_NAMESPACE)` for every
 * well-formed name (the gateway refuses lone surrogates), which ids.spec.ts holds as its oracle. Made from the
 * one-shot SHA-1's hex (Node ≥ 20.12) because one is made for every event written, and `uuid` parses the namespace
 * and builds a byte array of the name, a Hash object and a Buffer for each id: 4.9 µs an id against 0.8
 * (docs/performance.md, finding 31).
 */
export function ledgerUuid(name: string): string {
  if (typeof crypto.hash !== 'function') return uuidv5(name, LEDGER_NAMESPACE);
  const h = crypto.hash('sha1', Buffer.concat([NAMESPACE_BYTES, Buffer.from(name, 'utf8')]), 'hex');
  // The first 16 bytes of the hash, with the version (5) in the 13th hex digit and the variant in the 17th.
  const variant = VARIANT_DIGITS[parseInt(h[16], 16) & 3];
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Deterministic event id: a retried command produces the same ids, so it can never be written twice. */
export function eventIdFor(userId: string, commandId: string, index: number): string {
  return ledgerUuid(`${userId}/${commandId}/${index}`);
}

/** A run id for `run.start` without one, derived from the command so that a retry names the same run. */
export function runIdFor(userId: string, commandId: string): string {
  return ledgerUuid(`${userId}/${commandId}/run`);
}

/** The read model's `ai_tasks.id`, derived from the run and the client's task id (never random). */
export function taskRowIdFor(runId: string, taskId: string): string {
  return ledgerUuid(`${runId}/${taskId}`);
}

/**
 * JSON with sorted keys, so equal values always give equal text. Built by appending to one string rather than
 * through filter/sort/map/join arrays per object: it runs on every command's payload and every chunk (ids.spec.ts
 * holds the array form as its oracle).
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) {
    let out = '[';
    // A hole (never in parsed JSON) stays empty, as join() writes it.
    for (let i = 0; i < value.length; i++)
      out += (i === 0 ? '' : ',') + (i in value ? canonicalJson(value[i]) : '');
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  let out = '{';
  for (const key of sortedKeys(record)) {
    const v = record[key];
    if (v === undefined) continue;
    out += `${out.length === 1 ? '' : ','}${JSON.stringify(key)}:${canonicalJson(v)}`;
  }
  return `${out}}`;
}

/**
 * An object's keys in `sort()`'s order (UTF-16 code units). A JSON object's few keys are sorted in place by
 * insertion: `sort()` takes a work copy of the array on every call, which was as much as everything else
 * canonicalJson allocates (docs/performance.md, finding 32).
 */
function sortedKeys(record: object): string[] {
  const keys = Object.keys(record);
  if (keys.length > 16) return keys.sort();
  for (let i = 1; i < keys.length; i++) {
    const key = keys[i];
    let j = i - 1;
    for (; j >= 0 && keys[j] > key; j--) keys[j + 1] = keys[j];
    keys[j + 1] = key;
  }
  return keys;
}

/** SHA-256 in base64url: the one-shot `crypto.hash` (Node ≥ 20.12: no Hash object per call), else a Hash. */
const sha256: (text: string) => string =
  typeof crypto.hash === 'function'
    ? (text) => crypto.hash('sha256', text, 'base64url')
    : (text) => crypto.createHash('sha256').update(text).digest('base64url');

/** The digest of a string as it is (no JSON): for a value whose text form is known to be unambiguous. */
export function digestOfText(text: string, length = 32): string {
  return sha256(text).slice(0, length);
}

export function digest(value: unknown, length = 32): string {
  // A chunk's digest is taken for every chunk folded, a payload's for every command.
  return sha256(canonicalJson(value)).slice(0, length);
}
