import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { z } from 'zod';
import { commandSchemas, type CommandName } from '@ledger/contract';
import { MAX_DEPTH } from '../../apps/ledger/src/gateway/payload';

/**
 * Arbitraries of command payloads at the edges of the contract's own zod schemas (read through their JSON Schema):
 * shortest and longest strings, smallest and largest numbers, fractions, the deepest JSON the edge accepts, text
 * from every Unicode plane, every enum value. Refinements JSON Schema cannot state (a text chunk carries text;
 * usage parts within their totals) are kept by `repair` so that most commands are accepted.
 */

interface Node {
  type?: string;
  format?: string;
  pattern?: string;
  enum?: readonly unknown[];
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  properties?: Record<string, Node>;
  required?: readonly string[];
  items?: Node;
  additionalProperties?: Node | boolean;
}

/** Text from every plane: controls, noncharacters, BOM, combining marks, emoji sequences, SMP…PUA-B, U+10FFFF. */
export const PLANE_CHARS = [
  'a',
  ' ',
  '\t',
  '\n',
  'é',
  '\u0001',
  '\u001f',
  '\u007f',
  '\u0080',
  '\u00a0',
  '\u2028',
  '\u200d',
  '\ufeff',
  '\ufffd',
  '\ufffe',
  '\uffff',
  '\ud7ff',
  '\ue000',
  'e\u0301',
  '😀',
  '🇫🇷',
  '👨‍👩‍👧',
  '\u{10000}',
  '\u{1ffff}',
  '\u{20000}',
  '\u{2ffff}',
  '\u{30000}',
  '\u{3ffff}',
  '\u{e0001}',
  '\u{e007f}',
  '\u{f0000}',
  '\u{ffffd}',
  '\u{100000}',
  '\u{10ffff}',
  '"',
  '\\',
  "'; DROP TABLE ai_runs; --",
];
const ALL_PLANES = PLANE_CHARS.join('');
/** The longest free text: far past any column's habits, well inside the payload limit (1 MiB) as JSON. */
const LONGEST_FREE_TEXT = 100_000;

/** A string of exactly `units` UTF-16 units, never ending in half a surrogate pair. */
function textOf(units: number, seed: number): string {
  let text = '';
  for (let i = seed; text.length < units; i++) {
    const piece = PLANE_CHARS[i % PLANE_CHARS.length];
    text += text.length + piece.length <= units ? piece : 'x';
  }
  return text;
}

const uuidEdge = fc.oneof(
  { weight: 4, arbitrary: fc.uuid() },
  fc.constantFrom('00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff'),
);

function stringEdge(node: Node): fc.Arbitrary<string> {
  if (node.enum) return fc.constantFrom(...(node.enum as string[]));
  if (node.format === 'uuid') return uuidEdge;
  const min = node.minLength ?? 0;
  const max = node.maxLength ?? LONGEST_FREE_TEXT;
  const fits = (s: string) => s.length >= min && s.length <= max;
  // A patterned string (a decimal amount, a currency code): strings of the pattern, shortest and longest that fit.
  if (node.pattern) return fc.stringMatching(new RegExp(node.pattern)).filter(fits);
  return fc.oneof(
    fc.nat(PLANE_CHARS.length).map((seed) => textOf(Math.max(min, 1), seed)), // shortest (non-blank when 1)
    fc.nat(PLANE_CHARS.length).map((seed) => textOf(max, seed)), // longest
    fc.constant(ALL_PLANES.slice(0, max)).filter(fits),
    fc.string({ unit: 'grapheme', minLength: min, maxLength: Math.min(max, 40) }).filter(fits),
  );
}

function numberEdge(node: Node, integer: boolean): fc.Arbitrary<number> {
  const min = node.minimum ?? -Number.MAX_VALUE;
  const max = node.maximum ?? Number.MAX_VALUE;
  const inRange = (n: number) => n >= min && n <= max;
  const edges = integer
    ? [min, max, min + 1, max - 1, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 2 ** 53 - 1]
    : [min, max, 0.5, 1.5, 5e-324, 2 ** 31 + 0.5, 3e9, max - 0.5, 1e-7, 25 * 86_400_000 + 0.25];
  return fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...edges.filter(inRange)) },
    integer
      ? fc.bigInt({ min: BigInt(min), max: BigInt(Math.min(max, Number.MAX_SAFE_INTEGER)) }).map(Number)
      : fc.double({ min, max, noNaN: true }),
  );
}

/** Free JSON at its edges: the deepest the edge accepts at this depth, edge numbers, keys and text of every plane. */
export function jsonEdge(depth: number): fc.Arbitrary<unknown> {
  const budget = MAX_DEPTH - depth;
  const key = fc.oneof(
    fc.constantFrom(...PLANE_CHARS, '', ALL_PLANES, 'k'),
    fc.string({ unit: 'grapheme', maxLength: 8 }),
  );
  const leaf = fc.oneof(
    fc.constantFrom(
      0,
      -0,
      1.5,
      -1.5,
      5e-324,
      Number.MAX_VALUE,
      -Number.MAX_VALUE,
      2 ** 53 + 2,
      1e21,
      1e-7,
      null,
      true,
      '',
    ),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.constantFrom(...PLANE_CHARS, ALL_PLANES),
  );
  const deepest = fc.tuple(key, leaf, fc.boolean()).map(([k, v, arrays]) => {
    let value: unknown = v;
    for (let level = budget - 1; level >= 1; level--) value = arrays && level % 2 ? [value] : { [k]: value };
    return { [k]: value };
  });
  const flat = fc.dictionary(key, fc.oneof(leaf, fc.array(leaf, { maxLength: 3 })), { maxKeys: 5 });
  return fc.oneof({ weight: 3, arbitrary: flat }, { weight: 1, arbitrary: deepest }, fc.constant({}));
}

function edgeOf(node: Node, depth: number): fc.Arbitrary<unknown> {
  if (node.enum) return fc.constantFrom(...node.enum);
  switch (node.type) {
    case 'string':
      return stringEdge(node);
    case 'integer':
      return numberEdge(node, true);
    case 'number':
      return numberEdge(node, false);
    case 'boolean':
      return fc.boolean();
    case 'array': {
      const items = edgeOf(node.items ?? {}, depth + 1);
      return fc.array(items, { minLength: node.minItems ?? 0, maxLength: Math.min(node.maxItems ?? 5, 5) });
    }
    case 'object': {
      if (!node.properties) return jsonEdge(depth);
      const fields: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [k, child] of Object.entries(node.properties)) fields[k] = edgeOf(child, depth + 1);
      return fc.record(fields, { requiredKeys: [...(node.required ?? [])] });
    }
    default:
      return jsonEdge(depth);
  }
}

/** A payload of `name` at the edges of its schema (before the scenario fills in ids and repairs refinements). */
export function payloadEdge(name: CommandName): fc.Arbitrary<Record<string, unknown>> {
  const schema = z.toJSONSchema(commandSchemas[name], { io: 'input', unrepresentable: 'any' }) as Node;
  return edgeOf(schema, 0) as fc.Arbitrary<Record<string, unknown>>;
}

/** Keeps the refinements JSON Schema cannot state: a chunk's kind decides text or payload; usage parts fit. */
export function repair(name: CommandName, payload: Record<string, unknown>): Record<string, unknown> {
  let p = { ...payload };
  if (p.commandId !== undefined) p.commandId = randomUUID(); // a shared edge id would only collide
  if (name === 'task.chunk') p = repairChunk(p);
  if (name === 'task.chunks' && Array.isArray(p.chunks))
    p.chunks = (p.chunks as Record<string, unknown>[]).map(repairChunk);
  if (p.usage) p.usage = repairUsage(p.usage as Record<string, number>);
  return p;
}

function repairChunk(c: Record<string, unknown>): Record<string, unknown> {
  const { text, payload, ...rest } = c;
  const kind = (c.kind as string | undefined) ?? 'text';
  return kind === 'text'
    ? { ...rest, text: typeof text === 'string' ? text : ALL_PLANES }
    : { ...rest, payload: payload && typeof payload === 'object' ? payload : { at: ALL_PLANES } };
}

function repairUsage(u: Record<string, number>): Record<string, number> {
  const max = Number.MAX_SAFE_INTEGER;
  const input = u.inputTokens;
  const output = Math.min(u.outputTokens, max - input);
  const cached = Math.min(u.cachedInputTokens ?? 0, input);
  const usage: Record<string, number> = { inputTokens: input, outputTokens: output };
  if (u.cachedInputTokens !== undefined) usage.cachedInputTokens = cached;
  if (u.cacheWriteTokens !== undefined) usage.cacheWriteTokens = Math.min(u.cacheWriteTokens, input - cached);
  if (u.reasoningTokens !== undefined) usage.reasoningTokens = Math.min(u.reasoningTokens, output);
  if (u.totalTokens !== undefined) usage.totalTokens = input + output;
  return usage;
}
