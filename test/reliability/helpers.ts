import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import type { Socket } from 'socket.io-client';
import type { Ack } from '@ledger/contract';
import { PostgresEventStore } from '@ledger/event-store';
import { readCheckpoints, rebuild, verify } from '@ledger/projections';
// Test-only SQL checks, imported by path: they are not part of the lib's public surface.
import { invariantViolations, tableHashes } from '../../libs/projections/test/invariants';
export { invariantViolations, tableHashes };
import { CHUNK_ROWS } from '../support/chunk-rows';
import { connectClient, ok, taskPayload } from '../support/ledger-server';

export { ERROR_CODES } from '@ledger/contract';
export const settings = { model: 'gpt-4o' };

export const newTask = (runId: string, taskId = randomUUID()) =>
  taskPayload(runId, { taskId, userMessage: { content: 'hi' } });

/** Emits a command; resolves with its ack, or null when the socket drops first (the outcome is then unknown). */
export function emitAck<T = unknown>(socket: Socket, name: string, payload: unknown): Promise<Ack<T> | null> {
  return new Promise((resolve) => {
    if (socket.disconnected) return resolve(null);
    const onDisconnect = () => resolve(null);
    socket.once('disconnect', onDisconnect);
    socket.emit(name, payload, (ack: Ack<T>) => {
      socket.off('disconnect', onDisconnect);
      resolve(ack);
    });
  });
}

/** Connects, retrying while the server is not up yet. */
export async function connectRetrying(url: string, token: string, attempts = 50): Promise<Socket> {
  for (let i = 0; ; i++) {
    try {
      return await connectClient(url, token);
    } catch (error) {
      if (i >= attempts) throw error;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** Starts a run with one task; returns their ids. */
export async function startRunWithTask(socket: Socket): Promise<{ runId: string; taskId: string }> {
  const { runId } = await ok<{ runId: string }>(socket, 'run.start', {
    sourceType: 'chat',
    settings,
    commandId: randomUUID(),
  });
  const task = newTask(runId);
  await ok(socket, 'task.create', { ...task, commandId: randomUUID() });
  return { runId, taskId: task.taskId };
}

/** commandId → number of events it wrote. */
export async function eventsPerCommand(
  pool: Pool,
  commandIds: readonly string[],
): Promise<Map<string, number>> {
  const { rows } = await pool.query<{ c: string; n: number }>(
    `SELECT metadata->>'commandId' AS c, count(*)::int AS n FROM event_log WHERE metadata->>'commandId' = ANY($1::text[]) GROUP BY 1`,
    [commandIds],
  );
  return new Map(rows.map((r) => [r.c, r.n]));
}

/** (task, seq) pairs written more than once: must always be none. */
export async function duplicateChunks(pool: Pool): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM (SELECT 1 FROM ${CHUNK_ROWS}
       GROUP BY data->>'taskId', data->>'seq' HAVING count(*) > 1) d`,
  );
  return rows[0].n;
}

/** The position of the log head (`transaction_id`, `position`) and the projector's checkpoint, as strings. */
export async function headAndCheckpoint(
  pool: Pool,
): Promise<{ head: string | null; checkpoint: string | null }> {
  const store = new PostgresEventStore(pool);
  const head = await store.headPosition();
  const [cp] = await readCheckpoints(pool);
  const str = (p: { commit: bigint; prepare: bigint } | null | undefined) =>
    p ? `${p.commit}/${p.prepare}` : null;
  return { head: str(head), checkpoint: str(cp?.position) };
}

/** Waits (polling the database, bounded) until the projector's checkpoint is at the log head. */
export async function waitForProjection(pool: Pool, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { head, checkpoint } = await headAndCheckpoint(pool);
    if (head === checkpoint) return;
    if (Date.now() > deadline) throw new Error(`projection stuck at ${checkpoint}, head ${head}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The text chunks of a task in the log, in stream order. */
export async function chunkSeqs(pool: Pool, taskId: string): Promise<number[]> {
  const { rows } = await pool.query<{ seq: number }>(
    `SELECT (data->>'seq')::int AS seq FROM ${CHUNK_ROWS} WHERE data->>'taskId' = $1 ORDER BY stream_revision, (data->>'seq')::int`,
    [taskId],
  );
  return rows.map((r) => r.seq);
}

/**
 * The read models are exactly what the log says: the invariants hold, `verify` finds no mismatch, and a full
 * rebuild gives byte-identical tables.
 */
export async function expectReadModelsEqualRebuild(pool: Pool): Promise<void> {
  const store = new PostgresEventStore(pool);
  expect(await invariantViolations(pool)).toEqual([]);
  expect((await verify({ store, pool })).mismatches).toEqual([]);
  const live = await tableHashes(pool);
  await rebuild({ store, pool });
  expect(await tableHashes(pool)).toEqual(live);
}
