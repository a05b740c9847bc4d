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
 * Cuts a stream's events into consecutive appends of at most `maxBytes` each, in order. Every append holds whole
 * commands (a command's events stay together and so stay atomic), except a command whose events alone exceed
 * the limit (only `task.chunks` with many chunks can), which is cut between its events. A single event over the
 * limit is refused with AppendTooLarge before anything is sent.
 */
export function planAppends(
  streamId: string,
  events: readonly NewEvent[],
  maxBytes: number = DEFAULT_MAX_APPEND_BYTES,
): NewEvent[][] {
  const groups: Array<{ events: NewEvent[]; bytes: number[] }> = [];
  for (const e of events) {
    const bytes = eventBytes(e);
    if (bytes > maxBytes) throw new AppendTooLarge(streamId, maxBytes, bytes);
    const last = groups[groups.length - 1];
    if (last && commandOf(last.events[0]) === commandOf(e)) {
      last.events.push(e);
      last.bytes.push(bytes);
    } else groups.push({ events: [e], bytes: [bytes] });
  }

  const appends: NewEvent[][] = [];
  let current: NewEvent[] = [];
  let size = 0;
  const cut = () => {
    if (current.length > 0) appends.push(current);
    current = [];
    size = 0;
  };
  for (const group of groups) {
    const total = group.bytes.reduce((a, b) => a + b, 0);
    if (total <= maxBytes) {
      if (size + total > maxBytes) cut();
      current.push(...group.events);
      size += total;
      continue;
    }
    cut();
    group.events.forEach((e, i) => {
      if (size + group.bytes[i] > maxBytes) cut();
      current.push(e);
      size += group.bytes[i];
    });
    cut();
  }
  cut();
  return appends;
}
