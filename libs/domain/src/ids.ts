import { createHash } from 'node:crypto';
import { v5 as uuidv5 } from 'uuid';

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

/** Deterministic event id: a retried command produces the same ids, so it can never be written twice. */
export function eventIdFor(userId: string, commandId: string, index: number): string {
  return uuidv5(`${userId}/${commandId}/${index}`, LEDGER_NAMESPACE);
}

/** A run id for `run.start` without one, derived from the command so that a retry names the same run. */
export function runIdFor(userId: string, commandId: string): string {
  return uuidv5(`${userId}/${commandId}/run`, LEDGER_NAMESPACE);
}

/** The read model's `ai_tasks.id`, derived from the run and the client's task id (never random). */
export function taskRowIdFor(runId: string, taskId: string): string {
  return uuidv5(`${runId}/${taskId}`, LEDGER_NAMESPACE);
}

/** JSON with sorted keys, so equal values always give equal text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.keys(value as Record<string, unknown>)
    .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
  return `{${entries.join(',')}}`;
}

export function digest(value: unknown, length = 32): string {
  return createHash('sha256').update(canonicalJson(value)).digest('base64url').slice(0, length);
}
