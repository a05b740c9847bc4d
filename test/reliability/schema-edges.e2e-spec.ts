import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import type { Socket } from 'socket.io-client';
import type { AckData, CommandName } from '@ledger/contract';
import { PostgresEventStore } from '@ledger/event-store';
import { verify } from '@ledger/projections';
import { signToken } from '@ledger/runtime';
import { tableHashes } from '../../libs/projections/test/invariants';
import { ProjectionHost } from '../../apps/ledger/src/read/projection-host';
import {
  connectClient,
  ok,
  send,
  startTestLedger,
  TEST_JWT_SECRET,
  type TestLedger,
} from '../support/ledger-server';
import { payloadEdge, repair } from './schema-edges';

/**
 * The class of finding 1 (issue 12): anything the edge accepts, the read models must hold. Commands generated
 * from the contract's own zod schemas at their edges go over a real socket to a real ledger; after each scenario
 * the projector must reach the head of the log in state `running` (nothing quarantined), and `verify` (the fold
 * of the log against the rows) must find no mismatch, nor a rebuild a different row.
 */

const SCENARIOS = 50;
const PROJECTION_DEADLINE_MS = 20_000;
/** Refusals a generated command may get: the contract's own (never INTERNAL, never UNAVAILABLE). */
const REFUSALS = new Set(['VALIDATION', 'CONFLICT', 'NOT_FOUND', 'PAYLOAD_TOO_LARGE']);

interface Step {
  name: CommandName;
  payload: Record<string, unknown>;
}

const chunkFields = payloadEdge('task.chunk');
const scenario = fc.record({
  start: payloadEdge('run.start'),
  tasks: fc.array(
    fc.record({
      create: payloadEdge('task.create'),
      singles: fc.array(chunkFields, { maxLength: 4 }),
      batch: fc.option(payloadEdge('task.chunks'), { nil: undefined }),
      end: fc.oneof(
        payloadEdge('task.complete').map((payload) => ({ name: 'task.complete' as const, payload })),
        payloadEdge('task.fail').map((payload) => ({ name: 'task.fail' as const, payload })),
        fc.constant(undefined), // left open
      ),
    }),
    { minLength: 1, maxLength: 2 },
  ),
  rename: fc.option(payloadEdge('run.rename'), { nil: undefined }),
  star: fc.option(payloadEdge('run.star'), { nil: undefined }),
  archive: fc.boolean(),
  erase: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
});

/** The commands of one run, ids filled in, `seq` in order (a gap would only be refused). */
type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

/** The client's one team: a generated `teamId` becomes it, so team runs are projected, verified and rebuilt too. */
const TEAM = randomUUID();

function steps(s: Scenario): Step[] {
  const runId = randomUUID();
  const start = s.start.teamId === undefined ? s.start : { ...s.start, teamId: TEAM };
  const list: Step[] = [{ name: 'run.start', payload: { ...start, runId } }];
  for (const t of s.tasks) {
    const taskId = randomUUID();
    list.push({ name: 'task.create', payload: { ...t.create, runId, taskId } });
    let seq = 0;
    for (const c of t.singles)
      list.push({ name: 'task.chunk', payload: { ...c, runId, taskId, seq: seq++ } });
    if (t.batch) {
      const chunks = (t.batch.chunks as Record<string, unknown>[]).map((c) => ({ ...c, seq: seq++ }));
      list.push({ name: 'task.chunks', payload: { ...t.batch, runId, taskId, chunks } });
    }
    if (t.end) list.push({ name: t.end.name, payload: { ...t.end.payload, runId, taskId } });
  }
  if (s.rename) list.push({ name: 'run.rename', payload: { ...s.rename, runId } });
  if (s.star) list.push({ name: 'run.star', payload: { ...s.star, runId } });
  if (s.archive) list.push({ name: 'run.archive', payload: { runId } });
  if (s.erase) list.push({ name: 'run.delete', payload: { runId } });
  return list.map((step) => ({ name: step.name, payload: repair(step.name, step.payload) }));
}

describe('schema edges: every acked command projects', () => {
  let t: TestLedger;
  let client: Socket;
  let admin: Socket;

  beforeAll(async () => {
    t = await startTestLedger();
    client = await connectClient(t.url, signToken(randomUUID(), TEST_JWT_SECRET, { teams: [TEAM] }));
    admin = await connectClient(t.url, t.token(randomUUID(), { admin: true }));
  });
  afterAll(async () => {
    client?.close();
    admin?.close();
    await t?.close();
  });

  /** Waits (bounded) for the server's projector to commit the head of the log. */
  async function projected(): Promise<void> {
    const head = await t.ledger.runtime.store.headPosition();
    if (!head) return;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error('the projector did not reach the head')),
        PROJECTION_DEADLINE_MS,
      );
    });
    try {
      await Promise.race([t.ledger.app.get(ProjectionHost).projector.waitFor(head), deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  it(`${SCENARIOS} runs of commands at the edges of the contract: running at the head, 0 mismatches`, async () => {
    const acked = new Map<string, number>();
    const store = new PostgresEventStore(t.pool);
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        for (const step of steps(s)) {
          const ack = await send(client, step.name, step.payload);
          if (ack.ok) {
            const kinds =
              step.name === 'task.chunks'
                ? (step.payload.chunks as { kind?: string }[]).map((c) => c.kind ?? 'text')
                : step.name === 'task.chunk'
                  ? [(step.payload.kind as string | undefined) ?? 'text']
                  : [];
            for (const key of [step.name, ...kinds.map((k) => `chunk:${k}`)])
              acked.set(key, (acked.get(key) ?? 0) + 1);
          } else {
            if (process.env.EDGE_DEBUG)
              console.log(step.name, ack.error.code, ack.error.message.slice(0, 150));
            expect(REFUSALS).toContain(ack.error.code);
          }
        }
        await projected();
        const { projections } = await ok<AckData['projections.status']>(admin, 'projections.status', {});
        expect(projections[0]).toMatchObject({ state: 'running', lag: 0, quarantined: [] });
      }),
      { numRuns: SCENARIOS, endOnFailure: true },
    );

    const verified = await verify({ store, pool: t.pool });
    expect(verified).toMatchObject({ mismatches: [], quarantined: 0 });
    expect(verified.runs).toBeGreaterThan(SCENARIOS / 2);
    const hashes = await tableHashes(t.pool);
    await ok(admin, 'projections.rebuild', {});
    expect(await tableHashes(t.pool)).toEqual(hashes);

    // The generators reached what they are for: every write command and every chunk kind was accepted.
    const expected = ['run.start', 'task.create', 'task.chunk', 'task.chunks', 'task.complete', 'task.fail'];
    for (const kind of ['text', 'info', 'error', 'tool', 'data']) expected.push(`chunk:${kind}`);
    expect(expected.filter((key) => !acked.has(key))).toEqual([]);
  });
});
