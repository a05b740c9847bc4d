import { randomUUID } from 'node:crypto';
import v8 from 'node:v8';
import vm from 'node:vm';
import fc from 'fast-check';
import type { Socket } from 'socket.io-client';
import { parsedFrameChars } from '@ledger/config';
import { COMMAND_NAMES, type Ack, type CommandName } from '@ledger/contract';
import { connectClient, ok, send, startTestLedger, type TestLedger } from '../support/ledger-server';
import { ERROR_CODES, chunkSeqs, emitAck, newTask, startRunWithTask } from './helpers';

const FUZZ_RUNS = 3200;

/** A full collection before each heap reading (jest runs without --expose-gc: switch it on for this file). */
function collectGarbage(): boolean {
  if (!global.gc) v8.setFlagsFromString('--expose-gc');
  const gc = global.gc ?? (vm.runInNewContext('gc') as (() => void) | undefined);
  gc?.();
  return gc !== undefined;
}
const MAX_PAYLOAD = 65536;
const ACK_DEADLINE_MS = 10_000;
const POLLUTION_KEYS = ['__proto__', 'constructor', 'prototype'] as const;

/** An object with an OWN key `key` at `depth` (built by JSON.parse: an assignment would set the prototype instead). */
const polluted = (key: string, depth: number, value: unknown) => {
  let json = `{${JSON.stringify(key)}:${JSON.stringify(value ?? null)}}`;
  for (let i = 0; i < depth; i++) json = i % 2 ? `[${json}]` : `{"k${i}":${json}}`;
  return JSON.parse(json) as unknown;
};
const nested = (depth: number, asArray: boolean) => {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = asArray ? [v] : { a: v };
  return v;
};

const badUuid = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom(
    'not-a-uuid',
    '00000000-0000-0000-0000-00000000000',
    'zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz',
    '',
    ' ',
    'run-1',
  ),
  fc.uuid().map((u) => u.toUpperCase() + 'x'),
  fc.integer(),
);
const badNumber = fc.oneof(
  fc.constantFrom(
    -1,
    -0.5,
    1.5,
    1e8,
    2 ** 60,
    Number.MAX_SAFE_INTEGER + 2,
    NaN,
    Infinity,
    -Infinity,
    '10',
    '0',
    true,
    null,
    [],
    {},
  ),
  fc.integer({ min: -1e12, max: 1e12 }),
);
const hugeString = fc.integer({ min: MAX_PAYLOAD, max: 4 * MAX_PAYLOAD }).map((n) => 'x'.repeat(n));
const deep = fc.tuple(fc.integer({ min: 30, max: 400 }), fc.boolean()).map(([d, a]) => nested(d, a));
const pollution = fc
  .tuple(fc.constantFrom(...POLLUTION_KEYS), fc.integer({ min: 0, max: 6 }), fc.jsonValue({ maxDepth: 2 }))
  .map(([k, d, v]) => polluted(k, d, v));
const junk = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 2, arbitrary: fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 4 }) },
  { weight: 2, arbitrary: badNumber },
  { weight: 2, arbitrary: badUuid },
  { weight: 1, arbitrary: hugeString },
  { weight: 1, arbitrary: deep },
  { weight: 2, arbitrary: pollution },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 50 }) },
);

type Mutation =
  | { kind: 'set'; key: string; value: unknown }
  | { kind: 'drop'; key: string }
  | { kind: 'pollute'; key: string; value: unknown }
  | { kind: 'replace'; value: unknown }
  | { kind: 'extra'; key: string; value: unknown }
  | { kind: 'none' };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('set' as const),
      key: fc.string({ maxLength: 12 }),
      value: junk,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('drop' as const), key: fc.string({ maxLength: 12 }) }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('pollute' as const),
      key: fc.string({ maxLength: 12 }),
      value: pollution,
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('replace' as const), value: junk }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('extra' as const),
      key: fc.oneof(fc.constantFrom(...POLLUTION_KEYS), fc.string({ maxLength: 12 })),
      value: junk,
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'none' as const }) },
);

function containsForbiddenKey(v: unknown): boolean {
  if (Array.isArray(v)) return v.some(containsForbiddenKey);
  if (v && typeof v === 'object')
    return Object.keys(v).some(
      (k) =>
        (POLLUTION_KEYS as readonly string[]).includes(k) ||
        containsForbiddenKey((v as Record<string, unknown>)[k]),
    );
  return false;
}

/** Applies a mutation to a valid payload; `key` picks one of the payload's keys (by hash) unless it is an extra. */
function mutate(base: Record<string, unknown>, m: Mutation): unknown {
  const keys = Object.keys(base);
  const pick = (k: string) =>
    keys.length ? keys[[...k].reduce((h, c) => h + c.charCodeAt(0), 0) % keys.length] : k || 'x';
  const copy = JSON.parse(JSON.stringify(base)) as Record<string, unknown>;
  switch (m.kind) {
    case 'set':
      copy[pick(m.key)] = m.value;
      return copy;
    case 'drop':
      delete copy[pick(m.key)];
      return copy;
    case 'pollute':
      copy[pick(m.key)] = m.value;
      return copy;
    case 'replace':
      return m.value;
    case 'extra':
      // defineProperty: `copy['__proto__'] = v` would set the prototype, not a key.
      Object.defineProperty(copy, m.key, {
        value: m.value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
      return copy;
    case 'none':
      return copy;
  }
}

describe('bad input: a property-based fuzz of every command, with valid traffic alongside', () => {
  let t: TestLedger;
  let fuzzer: Socket;
  let honest: Socket;
  beforeAll(async () => {
    // A fuzzed `speed` may be any valid number down to 1e-300: such a replay is right to pace every gap at the clamp
    // (LEDGER_REPLAY_MAX_GAP_MS), so the clamp is kept short here for its ack to come within ACK_DEADLINE_MS.
    t = await startTestLedger({
      LEDGER_MAX_PAYLOAD_BYTES: String(MAX_PAYLOAD),
      LEDGER_REPLAY_MAX_GAP_MS: '50',
    });
    fuzzer = await connectClient(t.url, t.token());
    honest = await connectClient(t.url, t.token());
  });
  afterAll(async () => {
    fuzzer?.close();
    honest?.close();
    await t?.close();
  });

  it(`answers ${FUZZ_RUNS} random and malformed payloads with protocol acks, stays up, bounded heap, valid traffic unaffected`, async () => {
    const quiet = await startRunWithTask(fuzzer); // for reads (replay timing stays short)
    const busy = await startRunWithTask(fuzzer); // for writes
    const bases = (): Record<CommandName, Record<string, unknown>> => ({
      'run.start': { sourceType: 'chat', settings: { model: 'gpt-4o' } },
      'task.create': newTask(busy.runId),
      'task.chunk': { runId: busy.runId, taskId: busy.taskId, seq: 0, text: 'a', offsetMs: 0 },
      'task.chunks': { runId: busy.runId, taskId: busy.taskId, chunks: [{ seq: 0, text: 'a', offsetMs: 0 }] },
      'task.complete': { runId: busy.runId, taskId: busy.taskId, usage: { inputTokens: 1, outputTokens: 1 } },
      'task.fail': { runId: busy.runId, taskId: busy.taskId, error: { message: 'x' } },
      'run.rename': { runId: busy.runId, name: 'renamed' },
      'run.star': { runId: busy.runId, starred: true },
      'run.archive': { runId: randomUUID() },
      'run.delete': { runId: randomUUID() },
      'run.get': { runId: quiet.runId },
      'runs.list': { limit: 5, cursor: 'abc' },
      'run.subscribe': { runId: quiet.runId },
      'run.unsubscribe': { runId: quiet.runId },
      'run.replay': { runId: quiet.runId, speed: 0 },
      'run.at': { runId: quiet.runId, version: 0 },
      'usage.summary': { groupBy: 'day', from: '2024-01-01' },
      'projections.status': {},
      'projections.rebuild': {},
      'prices.list': {},
      'prices.missing': {},
      'projections.retry': { runId: quiet.runId },
      'projections.skip': { runId: quiet.runId },
      'budget.set': { userId: randomUUID(), period: 'day', limit: '1' },
      'budget.clear': { userId: randomUUID() },
      'budget.get': {},
      'run.share': { runId: busy.runId, expiresInDays: 1 },
      'run.unshare': { runId: busy.runId, shareId: randomUUID() },
      'run.shares': { runId: quiet.runId },
    });
    const base = bases();

    // Valid traffic from another user, all along: one task of 400 chunks, then its completion.
    let fuzzing = true;
    const CHUNKS = 400;
    const valid = (async () => {
      const { runId, taskId } = await startRunWithTask(honest);
      for (let seq = 0; fuzzing || seq < CHUNKS; seq++) {
        if (seq >= CHUNKS) break;
        await ok(honest, 'task.chunk', { runId, taskId, seq, text: `${seq},`, offsetMs: seq });
      }
      const done = await ok<{ tokensTotal: number }>(honest, 'task.complete', {
        runId,
        taskId,
        usage: { inputTokens: 7, outputTokens: CHUNKS },
      });
      return { runId, taskId, done };
    })();

    collectGarbage();
    const heapBefore = process.memoryUsage().heapUsed;
    const codes = new Map<string, number>();
    let tried = 0;
    let disconnected = false;
    fuzzer.on('disconnect', () => (disconnected = true));

    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...COMMAND_NAMES), mutation, async (name, m) => {
        const payload = mutate(base[name], m);
        tried += 1;
        let timer: NodeJS.Timeout | undefined;
        const ack = (await Promise.race([
          emitAck(fuzzer, name, payload),
          new Promise(
            (_, reject) =>
              (timer = setTimeout(
                () => reject(new Error(`${name}: no ack in ${ACK_DEADLINE_MS} ms`)),
                ACK_DEADLINE_MS,
              )),
          ),
        ]).finally(() => clearTimeout(timer))) as Ack<unknown> | null;
        expect(ack).not.toBeNull();
        const key = ack!.ok ? 'ok' : ack!.error.code;
        codes.set(key, (codes.get(key) ?? 0) + 1);
        if (ack!.ok) {
          expect(Object.keys(ack!)).toEqual(['ok', 'data']);
          return;
        }
        expect(ERROR_CODES).toContain(ack!.error.code);
        expect(typeof ack!.error.message).toBe('string');
        expect(ack!.error.code).not.toBe('INTERNAL');
        // A frame too large to be parsed is refused for its size alone (docs/protocol.md "Errors"); the others
        // are checked in the contract's order. Near the edge (the ack id's digits) either may apply.
        const chars = JSON.stringify(payload)?.length ?? 0;
        if (chars > parsedFrameChars(MAX_PAYLOAD)) expect(ack!.error.code).toBe('PAYLOAD_TOO_LARGE');
        else if (chars < parsedFrameChars(MAX_PAYLOAD) - 64) {
          if (containsForbiddenKey(payload)) expect(ack!.error.code).toBe('VALIDATION');
          if (name.startsWith('projections.')) expect(['VALIDATION', 'FORBIDDEN']).toContain(ack!.error.code);
        }
      }),
      { numRuns: FUZZ_RUNS, seed: Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31), verbose: 1 },
    );
    fuzzing = false;
    const { runId, taskId, done } = await valid;

    const gcOn = collectGarbage();
    const heapAfter = process.memoryUsage().heapUsed;
    const growthMb = (heapAfter - heapBefore) / 2 ** 20;
    console.log(
      `fuzz: ${tried} payloads tried over ${COMMAND_NAMES.length} commands; acks ${JSON.stringify(Object.fromEntries(codes))}; ` +
        `heap ${(heapBefore / 2 ** 20).toFixed(1)} MB -> ${(heapAfter / 2 ** 20).toFixed(1)} MB (after a full gc: ${gcOn})`,
    );
    expect(tried).toBeGreaterThanOrEqual(3000);
    expect(disconnected).toBe(false);
    expect(growthMb).toBeLessThan(gcOn ? 64 : 150);

    // Still up and still right: the fuzzer's connection works, and the valid task is exactly what was sent.
    await ok(fuzzer, 'run.get', { runId: quiet.runId });
    expect(done.tokensTotal).toBe(7 + CHUNKS);
    expect(await chunkSeqs(t.pool, taskId)).toEqual(Array.from({ length: CHUNKS }, (_, i) => i));
    const { rows } = await t.pool.query<{ type: string }>(
      `SELECT type FROM events WHERE stream_id = $1 ORDER BY stream_revision`,
      [`run-${runId}`],
    );
    expect(rows.map((r) => r.type)).toEqual([
      'RunStarted',
      'TaskCreated',
      'RunRenamed',
      ...Array(CHUNKS).fill('ChunksReceived'), // one per task.chunk command
      'TaskCompleted',
    ]);
    const view = await ok<{ tasks: Array<{ responseText: string; status: string }> }>(honest, 'run.get', {
      runId,
    });
    expect(view.tasks[0]).toMatchObject({
      status: 'completed',
      responseText: Array.from({ length: CHUNKS }, (_, i) => `${i},`).join(''),
    });
  });
});

describe('bad input: values the schema lets through but the database refuses', () => {
  let t: TestLedger;
  let socket: Socket;
  beforeAll(async () => {
    t = await startTestLedger();
    socket = await connectClient(t.url, t.token());
  });
  afterAll(async () => {
    socket?.close();
    await t?.close();
  });

  it('answers a bad cursor or an out-of-range date with VALIDATION, never INTERNAL', async () => {
    const cursor = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const cases: Array<[string, unknown]> = [
      ['runs.list', { cursor: 'abc' }],
      ['runs.list', { cursor: cursor(['2024-01-01T00:00:00Z']) }],
      ['runs.list', { cursor: cursor(['0000-01-01T00:00:00Z', randomUUID()]) }],
      ['runs.list', { cursor: cursor(['9999-12-31T23:59:59+14:00', randomUUID()]) }],
      ['usage.summary', { groupBy: 'day', from: '0000-01-01' }],
      ['usage.summary', { groupBy: 'model', to: '0000-12-31T00:00:00Z' }],
      ['run.at', { runId: randomUUID(), at: '0000-01-01T00:00:00Z' }],
    ];
    for (const [name, payload] of cases) {
      const ack = await send(socket, name, payload);
      if (!ack.ok)
        expect({ name, payload, code: ack.error.code }).toEqual({
          name,
          payload,
          code: expect.stringMatching(/^(VALIDATION|NOT_FOUND)$/),
        });
    }
    expect(socket.connected).toBe(true);
  });
});

describe('per-connection rate limit', () => {
  let t: TestLedger;
  let socket: Socket;
  beforeAll(async () => {
    t = await startTestLedger({ LEDGER_RATE_LIMIT: '50', LEDGER_RATE_BURST: '50' });
    socket = await connectClient(t.url, t.token());
  });
  afterAll(async () => {
    socket?.close();
    await t?.close();
  });

  it('answers a burst above the bucket with RATE_LIMITED, keeps the socket open, and limits only that connection', async () => {
    const acks = await Promise.all(Array.from({ length: 200 }, () => send(socket, 'runs.list', {})));
    const limited = acks.filter((a) => !a.ok && a.error.code === 'RATE_LIMITED').length;
    const served = acks.filter((a) => a.ok).length;
    console.log(`rate limit: burst of 200 at 50/s, burst 50 -> ${served} served, ${limited} RATE_LIMITED`);
    expect(served).toBeGreaterThanOrEqual(50);
    expect(served).toBeLessThan(70);
    expect(limited).toBe(200 - served);
    expect(socket.connected).toBe(true);
    // The limit is per connection: another one is served at once. (The refill over time is TokenBucket's unit spec.)
    const other = await connectClient(t.url, t.token());
    for (let i = 0; i < 40; i++) expect((await send(other, 'runs.list', {})).ok).toBe(true);
    other.close();
    expect(socket.connected).toBe(true);
  });
});
