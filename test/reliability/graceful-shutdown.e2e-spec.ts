import { randomUUID } from 'node:crypto';
import type { Socket } from 'socket.io-client';
import { PostgresEventStore } from '@ledger/event-store';
import { verify } from '@ledger/projections';
import { startChildLedger, type ChildLedger } from '../support/child-ledger';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { TEST_JWT_SECRET, connectClient } from '../support/ledger-server';
import { signToken } from '@ledger/runtime';
import {
  connectRetrying,
  emitAck,
  eventsPerCommand,
  headAndCheckpoint,
  invariantViolations,
  startRunWithTask,
} from './helpers';

const CLIENTS = 4;
const WINDOW = 6;
const TERM_AFTER_ACKS = 400;

describe('graceful shutdown (SIGTERM of the server process)', () => {
  let db: TestDatabase;
  let server: ChildLedger | undefined;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    server?.kill('SIGKILL');
    await server?.exited;
    await db?.drop();
  });

  it('with commands in flight: every ok ack is durable, new commands are refused, the projection reaches the head, exit 0', async () => {
    server = await startChildLedger(db.url);
    const child = server;
    let acked = 0;
    let termAt: number | null = null;
    const okIds: string[] = [];
    const unansweredIds: string[] = [];
    const outcomes = { ok: 0, UNAVAILABLE: 0, other: [] as string[], dropped: 0, okAfterRefusal: 0 };
    const reasons: string[] = [];

    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        const socket = await connectRetrying(child.url, signToken(randomUUID(), TEST_JWT_SECRET));
        sockets.push(socket);
        socket.on('disconnect', (reason) => reasons.push(reason));
        const { runId, taskId } = await startRunWithTask(socket);
        let next = 0;
        let refusedAt = Infinity;
        const worker = async () => {
          // Keep sending until the server closes the socket (bounded, in case it never does).
          while (next < 20_000) {
            const seq = next++;
            const commandId = randomUUID();
            const ack = await emitAck(socket, 'task.chunk', {
              runId,
              taskId,
              seq,
              text: `${seq} `,
              offsetMs: seq,
              commandId,
            });
            if (ack === null) {
              outcomes.dropped += 1;
              unansweredIds.push(commandId);
              return;
            }
            if (ack.ok) {
              outcomes.ok += 1;
              okIds.push(commandId);
              if (seq > refusedAt) outcomes.okAfterRefusal += 1;
              if (++acked >= TERM_AFTER_ACKS && termAt === null) {
                termAt = acked;
                child.kill('SIGTERM');
              }
            } else if (ack.error.code === 'UNAVAILABLE') {
              outcomes.UNAVAILABLE += 1;
              refusedAt = Math.min(refusedAt, seq);
            } else {
              // A chunk after a refused one is a gap (CONFLICT): expected once the server stops accepting.
              outcomes.other.push(ack.error.code);
            }
          }
        };
        await Promise.all(Array.from({ length: WINDOW }, worker));
      }),
    );

    expect(await child.exited).toBe(0);
    server = undefined;
    console.log(
      `shutdown: SIGTERM after ${termAt} acks; ${outcomes.ok} acked ok in all, ${outcomes.UNAVAILABLE} UNAVAILABLE, ` +
        `${outcomes.dropped} unanswered when the socket closed (reasons: ${[...new Set(reasons)].join(', ')}), other refusals: ${outcomes.other.length}`,
    );
    expect(child.lines.some((l) => l.includes('shutting down'))).toBe(true);

    // Every ok is durable, exactly once.
    const written = await eventsPerCommand(db.pool, okIds);
    expect(okIds.filter((id) => written.get(id) !== 1)).toEqual([]);
    const unanswered = await eventsPerCommand(db.pool, unansweredIds);
    console.log(
      `shutdown: of ${unansweredIds.length} unanswered commands, ${unanswered.size} are durable (a client retries them with the same commandId)`,
    );
    expect([...unanswered.values()].every((n) => n === 1)).toBe(true);
    // The server stopped accepting: refusals or a server-side close, and never an ok after an UNAVAILABLE.
    expect(outcomes.UNAVAILABLE + outcomes.dropped).toBeGreaterThan(0);
    expect(outcomes.okAfterRefusal).toBe(0);
    expect(new Set(outcomes.other)).toEqual(new Set(outcomes.other.length ? ['CONFLICT'] : []));
    expect(reasons.every((r) => r === 'io server disconnect' || r === 'transport close')).toBe(true);
    await expect(connectClient(child.url, signToken(randomUUID(), TEST_JWT_SECRET))).rejects.toThrow();

    // The projector committed its last batch: its checkpoint is the log head, and its rows match the log.
    const { head, checkpoint } = await headAndCheckpoint(db.pool);
    console.log(`shutdown: log head ${head}, projector checkpoint ${checkpoint}`);
    expect(checkpoint).toBe(head);
    expect(await invariantViolations(db.pool)).toEqual([]);
    expect((await verify({ store: new PostgresEventStore(db.pool), pool: db.pool })).mismatches).toEqual([]);
  });
});
