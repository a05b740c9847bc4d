import { LedgerError, commandSchemas, type CommandName, type ParsedCommand } from '@ledger/contract';
import { OversizedPayload } from './frame-decoder';

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
export const MAX_DEPTH = 32;

/** In `u` mode a paired surrogate is one code point, so this matches only a lone (unpaired) one. */
const LONE_SURROGATE = /\p{Surrogate}/u;

/** Why PostgreSQL would refuse this text (in a key or a value), or null: NUL and lone surrogates are not UTF-8. */
function unstorableText(text: string): string | null {
  if (text.includes('\u0000')) return 'the NUL character';
  if (LONE_SURROGATE.test(text)) return 'a lone surrogate (half of a UTF-16 pair)';
  return null;
}

/**
 * Checks that a payload is plain JSON data before the schema sees it: no prototype-pollution keys at any
 * depth, no text PostgreSQL cannot store (NUL, lone surrogates: in keys and in strings), no binary or class
 * instances, bounded depth. Such text would pass here and fail the whole group commit in the store.
 */
export function inspectPayload(value: unknown): void {
  inspect(value, [], 0);
}

/**
 * `path` is one stack for the whole walk, pushed and popped, and joined only for an error: it runs on every
 * command's every value, and a path array per value was most of what a command of 20 chunks allocated here
 * (docs/performance.md, finding 32).
 */
function inspect(value: unknown, path: Array<string | number>, depth: number): void {
  if (depth > MAX_DEPTH)
    throw new LedgerError('VALIDATION', `payload nested deeper than ${MAX_DEPTH} levels`, {
      path: path.join('.'),
    });
  if (typeof value === 'string') {
    const why = unstorableText(value);
    if (why) throw new LedgerError('VALIDATION', `strings may not contain ${why}`, { path: path.join('.') });
    return;
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value))
      throw new LedgerError('VALIDATION', 'numbers must be finite', { path: path.join('.') });
    return;
  }
  if (value === null || typeof value === 'boolean') return;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      path.push(i);
      inspect(value[i], path, depth + 1);
      path.pop();
    }
    return;
  }
  if (typeof value === 'object') {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null)
      throw new LedgerError('VALIDATION', 'only plain JSON values are accepted', { path: path.join('.') });
    for (const key of Object.keys(value)) {
      if (FORBIDDEN_KEYS.has(key))
        throw new LedgerError('VALIDATION', `key "${key}" is not allowed`, {
          path: [...path, key].join('.'),
        });
      const why = unstorableText(key);
      if (why)
        throw new LedgerError('VALIDATION', `keys may not contain ${why}`, {
          path: [...path, JSON.stringify(key)].join('.'),
        });
      path.push(key);
      inspect((value as Record<string, unknown>)[key], path, depth + 1);
      path.pop();
    }
    return;
  }
  throw new LedgerError('VALIDATION', `unsupported value of type ${typeof value}`, { path: path.join('.') });
}

/** Validates a command payload: VALIDATION first, then PAYLOAD_TOO_LARGE (docs/protocol.md, "Errors"). */
export function parseCommand(name: CommandName, raw: unknown, maxBytes: number): ParsedCommand {
  // Too large to have been parsed at all (frame-decoder.ts): nothing to validate, only the size to report.
  if (raw instanceof OversizedPayload) throw payloadTooLarge(raw.bytes, maxBytes);
  const payload = raw === undefined || raw === null ? {} : raw;
  if (typeof payload !== 'object' || Array.isArray(payload))
    throw new LedgerError('VALIDATION', 'payload must be an object');
  inspectPayload(payload);
  const result = commandSchemas[name].safeParse(payload);
  if (!result.success) {
    const issues = result.error.issues.map((i) => ({
      path: i.path.join('.'),
      message: i.message,
      code: i.code,
    }));
    const first = issues[0];
    throw new LedgerError('VALIDATION', `${first.path ? `${first.path}: ` : ''}${first.message}`, { issues });
  }
  const size = Buffer.byteLength(JSON.stringify(payload), 'utf8');
  if (size > maxBytes) throw payloadTooLarge(size, maxBytes);
  // The edge that parses unknown input: the schema of `name` parsed it, so the pair is that command.
  return { name, payload: result.data } as ParsedCommand;
}

const payloadTooLarge = (size: number, limit: number) =>
  new LedgerError('PAYLOAD_TOO_LARGE', `payload is ${size} bytes; the limit is ${limit}`, { size, limit });
