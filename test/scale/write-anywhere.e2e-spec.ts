import { randomUUID } from 'node:crypto';
import type { Socket } from 'socket.io-client';
import { signToken } from '@ledger/runtime';
import { ok, TEST_JWT_SECRET } from '../support/ledger-server';
import {
  chunkSeqs,
  duplicateChunks,
  emitAck,
  eventsPerCommand,
  newTask,
  expectReadModelsEqualRebuild,
  waitForProjection,
} from '../reliability/helpers';
import { connectTo, useCluster } from './cluster';

const CLIENTS = 3;
const CHUNKS = 120;
/** The chaos loop moves one client's connection to another instance every this many acks (over all clients). */
const MOVE_EVERY_ACKS = 20;

interface Writer {
  socket: Socket;
  at: number;
  readonly taskId: string;
  readonly commandIds: string[];
  moves: number;
}

describe('one run written through every instance while connections move between them', () => {
  const cluster = useCluster();
  const { sockets } = cluster;

  it('acks every chunk (never CONFLICT), keeps each once and in order, and the read models equal a rebuild', async () => {
    const instances = await cluster.start(['a', 'b', 'c']);
    const token = signToken(randomUUID(), TEST_JWT_SECRET);
    const connect = async (at: number) => {
      const socket = await connectTo(instances[at % instances.length], token);
      sockets.push(socket);
      return socket;
    };
    const first = await connect(0);
    const { runId } = await ok<{ runId: string }>(first, 'run.start', {
      sourceType: 'chat',
      settings: { model: 'gpt-4o' },
      commandId: randomUUID(),
    });
    const writers: Writer[] = [];
    for (let n = 0; n < CLIENTS; n++) {
      const socket = await connect(n);
      const task = newTask(runId);
      // Each task is created through another instance than the run.
      await ok(socket, 'task.create', { ...task, commandId: randomUUID() });
      writers.push({ socket, at: n, taskId: task.taskId, moves: 0, commandIds: [] });
    }

    // The chaos loop, driven by acks: every MOVE_EVERY_ACKS acks it drops one client's connection (its chunk in
    // flight has no ack then); that client reconnects through the next instance and resends (same commandId).
    let acks = 0;
    const refusals: unknown[] = [];
    // Sends until acked: a null ack (the connection was cut) moves the client to the next instance, same commandId.
    const send = async (w: Writer, name: string, payload: object) => {
      for (;;) {
        const ack = await emitAck(w.socket, name, payload);
        if (ack) return ack.ok ? undefined : refusals.push(ack.error);
        w.at += 1;
        w.moves += 1;
        w.socket = await connect(w.at);
      }
    };
    await Promise.all(
      writers.map(async (w, n) => {
        for (let seq = 0; seq < CHUNKS; seq++) {
          w.commandIds[seq] = randomUUID();
          await send(w, 'task.chunk', {
            runId,
            taskId: w.taskId,
            seq,
            text: `${n}.${seq} `,
            offsetMs: seq,
            commandId: w.commandIds[seq],
          });
          if (++acks % MOVE_EVERY_ACKS === 0) writers[(acks / MOVE_EVERY_ACKS) % CLIENTS].socket.close();
        }
        await send(w, 'task.complete', {
          runId,
          taskId: w.taskId,
          usage: { inputTokens: 2, outputTokens: CHUNKS },
          commandId: randomUUID(),
        });
      }),
    );
    expect(refusals).toEqual([]);
    const moves = writers.reduce((m, w) => m + w.moves, 0);
    expect(moves).toBeGreaterThanOrEqual(CLIENTS);
    console.log(
      `write anywhere: ${CLIENTS * CHUNKS} chunks acked through 3 instances, ${moves} connection moves`,
    );

    // Every acked chunk in the log once, in order.
    expect(await duplicateChunks(cluster.db.pool)).toBe(0);
    const perCommand = await eventsPerCommand(
      cluster.db.pool,
      writers.flatMap((w) => w.commandIds),
    );
    expect(perCommand.size).toBe(CLIENTS * CHUNKS);
    expect([...perCommand.values()].every((count) => count === 1)).toBe(true);
    for (const w of writers)
      expect(await chunkSeqs(cluster.db.pool, w.taskId)).toEqual(Array.from({ length: CHUNKS }, (_, i) => i));

    await waitForProjection(cluster.db.pool);
    const { tasks } = await ok<{ tasks: Array<{ taskId: string; status: string; responseText: string }> }>(
      first,
      'run.get',
      { runId },
    );
    for (const [n, w] of writers.entries()) {
      const task = tasks.find((t) => t.taskId === w.taskId);
      expect(task?.status).toBe('completed');
      expect(task?.responseText).toBe(Array.from({ length: CHUNKS }, (_, seq) => `${n}.${seq} `).join(''));
    }
    await expectReadModelsEqualRebuild(cluster.db.pool);
  });
});
