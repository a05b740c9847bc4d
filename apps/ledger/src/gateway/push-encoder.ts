import { Encoder, PacketType, type Packet } from 'socket.io-parser';

/**
 * socket.io's encoder, minus two costs that grow with a run (docs/performance.md, long runs):
 * - socket.io walks every outgoing payload looking for binary attachments (`hasBinary`). Everything the ledger
 *   sends (acks and the pushes of docs/protocol.md §6) is JSON made from read models and events, never a Buffer,
 *   so the walk is skipped and every packet is encoded as text, as socket.io does for a payload without binary.
 * - `run.updated` and `runs.changed` carry the whole run row, `messages` included: for a long conversation that
 *   is megabytes of JSON, stringified again up to ten times a second while only the counters moved. A messages
 *   array is never changed once a projector batch has committed it (the fold copies it to change it), so its JSON
 *   is kept by identity (and length, as a guard) and reused; the rest of the packet is stringified as before.
 * The output is byte for byte what `JSON.stringify` gives (a test compares both on many payloads).
 */
export class PushEncoder extends Encoder {
  override encode(packet: Packet): string[] {
    let out = String(packet.type);
    if (packet.nsp && packet.nsp !== '/') out += `${packet.nsp},`;
    if (packet.id !== undefined && packet.id !== null) out += String(packet.id);
    if (packet.data !== undefined && packet.data !== null)
      out += packet.type === PacketType.EVENT ? eventJson(packet.data) : JSON.stringify(packet.data);
    return [out];
  }
}

const messagesJson = new WeakMap<readonly unknown[], { length: number; json: string }>();

/** The JSON of an event's arguments, `[name, payload]`, with a run's `messages` taken from the cache. */
function eventJson(data: unknown): string {
  if (!Array.isArray(data) || data.length !== 2 || !hasRun(data[1])) return JSON.stringify(data);
  const [name, payload] = data as [unknown, Record<string, unknown>];
  const body = objectJson(payload, (key, value) => (key === 'run' ? runJson(value as object) : undefined));
  return `[${JSON.stringify(name)},${body}]`;
}

function hasRun(payload: unknown): payload is { run: { messages: unknown[] } } {
  if (!isPlainObject(payload) || !isPlainObject(payload.run)) return false;
  return Array.isArray(payload.run.messages);
}

function runJson(run: object): string {
  return objectJson(run, (key, value) =>
    key === 'messages' && Array.isArray(value) ? cachedArrayJson(value) : undefined,
  );
}

/** The length of a messages list's JSON (computed once per list, and then reused by the encoder). */
export function messagesJsonLength(list: readonly unknown[]): number {
  return cachedArrayJson(list).length;
}

function cachedArrayJson(list: readonly unknown[]): string {
  const hit = messagesJson.get(list);
  if (hit && hit.length === list.length) return hit.json;
  const json = JSON.stringify(list);
  messagesJson.set(list, { length: list.length, json });
  return json;
}

/**
 * An object's JSON as `JSON.stringify` writes it (own enumerable string keys in order, members whose value is
 * undefined, a function or a symbol left out), with `special` giving the JSON of some members.
 */
function objectJson(obj: object, special: (key: string, value: unknown) => string | undefined): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(obj)) {
    const json = special(key, value) ?? JSON.stringify(value);
    if (json !== undefined) parts.push(`${JSON.stringify(key)}:${json}`);
  }
  return `{${parts.join(',')}}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
