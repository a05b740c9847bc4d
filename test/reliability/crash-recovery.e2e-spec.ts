import { randomUUID } from 'node:crypto';
import type { Socket } from 'socket.io-client';
import { startChildLedger, type ChildLedger } from '../support/child-ledger';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { ok } from '../support/ledger-server';
import { signToken } from '@ledger/runtime';
import { TEST_JWT_SECRET } from '../support/ledger-server';
import {
  chunkSeqs,
  connectRetrying,
  duplicateChunks,
  emitAck,
  eventsPerCommand,
  startRunWithTask,
  expectReadModelsEqualRebuild,
  waitForProjection,
} from './helpers';

const CLIENTS = 4;
const CHUNKS = 500;
const WINDOW = 4;
const KILL_AFTER_ACKS = 500;

interface Stream {
  readonly userId: string;
  socket: Socket;
  runId: string;
  taskId: string;
  /** commandId of each seq, fixed once, reused on resend. */
  readonly commandIds: string[];
  readonly acked: Set<number>;
}

const chunk = (s: Stream, seq: number) => ({
  runId: s.runId,
  taskId: s.taskId,
  seq,
  text: `${s.userId.slice(0, 4)}:${seq};`,
  offsetMs: seq,
  commandId: s.commandIds[seq],
});

describe('crash during ingest (SIGKILL of the server process)', () => {
  let db: TestDatabase;
  let server: ChildLedger | undefined;
  const streams: Stream[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    for (const s of streams) s.socket?.close();
    server?.kill('SIGKILL');
    await server?.exited;
    await db?.drop();
  });

  it('loses no acked chunk, duplicates none on resend, and the read models converge to a rebuild', async () => {
    server = await startChildLedger(db.url);
    const port = server.port;
    for (let i = 0; i < CLIENTS; i++) {
      const userId = randomUUID();
      const socket = await connectRetrying(server.url, signToken(userId, TEST_JWT_SECRET));
      const { runId, taskId } = await startRunWithTask(socket);
      streams.push({
        userId,
        socket,
        runId,
        taskId,
        commandIds: Array.from({ length: CHUNKS }, () => randomUUID()),
        acked: new Set(),
      });
    }

    // Stream from every client at once (WINDOW chunks in flight each); SIGKILL the server mid-stream.
    let totalAcked = 0;
    let killed = false;
    const refused: string[] = [];
    const victim = server;
    const pump = async (s: Stream) => {
      let next = 0;
      const worker = async () => {
        while (next < CHUNKS) {
          const seq = next++;
          const ack = await emitAck(s.socket, 'task.chunk', chunk(s, seq));
          if (ack === null) return; // the server died: outcome unknown
          if (ack.ok) {
            s.acked.add(seq);
            if (++totalAcked >= KILL_AFTER_ACKS && !killed) {
              killed = true;
              victim.kill('SIGKILL');
            }
          } else refused.push(ack.error.code);
        }
      };
      await Promise.all(Array.from({ length: WINDOW }, worker));
    };
    await Promise.all(streams.map(pump));
    expect(killed).toBe(true);
    expect(await victim.exited).toBe('SIGKILL');
    const ackedBefore = streams.reduce((n, s) => n + s.acked.size, 0);

    // Every acked chunk is in the log exactly once.
    const ackedIds = streams.flatMap((s) => [...s.acked].map((seq) => s.commandIds[seq]));
    const perCommand = await eventsPerCommand(db.pool, ackedIds);
    const lost = ackedIds.filter((id) => perCommand.get(id) !== 1);
    const sentIds = streams.flatMap((s) => s.commandIds);
    const found = [...(await eventsPerCommand(db.pool, sentIds)).values()].reduce((a, b) => a + b, 0);
    console.log(
      `crash: ${ackedBefore} chunks acked before SIGKILL, ${found} found in the log after it ` +
        `(${found - ackedBefore} durable but unacked), ${lost.length} acked chunks lost or doubled; refusals before the kill: ${refused.length}`,
    );
    expect(lost).toEqual([]);
    expect(found).toBeGreaterThanOrEqual(ackedBefore);

    // Restart on the same database; each client resends every chunk it has no ack for (same commandId), then completes.
    server = await startChildLedger(db.url, {}, port);
    let resent = 0;
    await Promise.all(
      streams.map(async (s) => {
        s.socket.close();
        s.socket = await connectRetrying(server!.url, signToken(s.userId, TEST_JWT_SECRET));
        for (let seq = 0; seq < CHUNKS; seq++) {
          if (s.acked.has(seq) && seq % 50 !== 0) continue; // also resend a few acked ones: idempotent too
          resent += 1;
          const data = await ok<{ seq: number }>(s.socket, 'task.chunk', chunk(s, seq));
          expect(data.seq).toBe(seq);
        }
        await ok(s.socket, 'task.complete', {
          runId: s.runId,
          taskId: s.taskId,
          usage: { inputTokens: 10, outputTokens: CHUNKS },
          commandId: randomUUID(),
        });
      }),
    );

    expect(await duplicateChunks(db.pool)).toBe(0);
    for (const s of streams)
      expect(await chunkSeqs(db.pool, s.taskId)).toEqual(Array.from({ length: CHUNKS }, (_, i) => i));
    const after = await eventsPerCommand(db.pool, sentIds);
    expect([...after.values()].every((n) => n === 1)).toBe(true);
    expect(after.size).toBe(CHUNKS * CLIENTS);
    console.log(
      `crash: after restart ${resent} chunks resent, ${after.size} chunks in the log (expected ${CHUNKS * CLIENTS}), 0 duplicates`,
    );

    // The projector resumed from its checkpoint; its rows equal a fold of the log and a full rebuild, byte for byte.
    await waitForProjection(db.pool);
    for (const s of streams) {
      const { run, tasks } = await ok<{
        run: { taskCount: number };
        tasks: Array<{ responseText: string; status: string }>;
      }>(s.socket, 'run.get', { runId: s.runId });
      expect(run.taskCount).toBe(1);
      expect(tasks[0].status).toBe('completed');
      expect(tasks[0].responseText).toBe(
        Array.from({ length: CHUNKS }, (_, seq) => chunk(s, seq).text).join(''),
      );
    }
    for (const s of streams) s.socket.close();
    server.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    server = undefined;

    await expectReadModelsEqualRebuild(db.pool);
  });
});
