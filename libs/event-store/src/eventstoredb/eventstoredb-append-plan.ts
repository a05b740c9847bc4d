import type { NewEvent } from '../event-store.port';
import { AppendTooLarge } from './eventstoredb-errors';
import { toEsdbMetadata } from './eventstoredb-mapping';

/**
 * How a stream append is cut to fit the server's `MaxAppendSize` (1 MiB by default), which bounds ONE append
 * request. Pure, unit-tested in eventstoredb-append-plan.spec.ts.
 */

/** The server's default `MaxAppendSize` (bytes). */
export const DEFAULT_MAX_APPEND_BYTES = 1_048_576;

/**
 * Bytes counted per event beyond data, metadata and type (id, content type, framing). The server counts data +
 * metadata + type; this over-counts on purpose, so that a planned append is never refused for its size.
 */
export const EVENT_OVERHEAD_BYTES = 128;

export function eventBytes(event: NewEvent): number {
  return (
    Buffer.byteLength(JSON.stringify(event.data ?? null)) +
    Buffer.byteLength(JSON.stringify(toEsdbMetadata(event.metadata))) +
    Buffer.byteLength(event.type) * 2 +
    EVENT_OVERHEAD_BYTES
  );
}

function commandOf(event: NewEvent): string {
  const m = event.metadata as { userId?: string; commandId?: string } | null;
  return `${m?.userId ?? ''}/${m?.commandId ?? ''}`;
}

/**
 * Cuts a stream's events into consecutive appends of at most `maxBytes` each, in order, each holding whole
 * commands, so that every command stays atomic. A command is never cut: the ledger remembers a command as done
 * once any of its events is stored, so a retry after half a command was written would be answered without
 * writing the rest. A command whose events alone exceed the limit (a large `task.chunks`) is refused with
 * AppendTooLarge before anything of the stream is sent.
 */
export function planAppends(
  streamId: string,
  events: readonly NewEvent[],
  maxBytes: number = DEFAULT_MAX_APPEND_BYTES,
): NewEvent[][] {
  const commands: Array<{ events: NewEvent[]; bytes: number }> = [];
  for (const e of events) {
    const last = commands[commands.length - 1];
    if (last && commandOf(last.events[0]) === commandOf(e)) {
      last.events.push(e);
      last.bytes += eventBytes(e);
    } else commands.push({ events: [e], bytes: eventBytes(e) });
  }
  const appends: NewEvent[][] = [];
  let current: NewEvent[] = [];
  let size = 0;
  for (const command of commands) {
    if (command.bytes > maxBytes) throw new AppendTooLarge(streamId, maxBytes, command.bytes);
    if (size + command.bytes > maxBytes) {
      appends.push(current);
      current = [];
      size = 0;
    }
    current.push(...command.events);
    size += command.bytes;
  }
  if (current.length > 0) appends.push(current);
  return appends;
}
