import { randomUUID } from 'node:crypto';
import { signToken } from '@ledger/runtime';
import { TEST_JWT_SECRET } from '../support/ledger-server';
import {
  chunkSeqs,
  duplicateChunks,
  emitAck,
  startRunWithTask,
  expectReadModelsEqualRebuild,
  waitForProjection,
} from '../reliability/helpers';
import { adminToken, connectTo, projectionStatus, useCluster, waitForStatus } from './cluster';

const RETRY_MS = 200;
/** The documented default bound for a dead leader's lock (LEDGER_LEADER_TIMEOUT_MS). */
const TIMEOUT_MS = 5000;
const CLIENTS = 6;
const CHUNKS = 150;
const KILL_AFTER_ACKS = 300;

describe('projector leader election across instances (SIGKILL of the leader mid-load)', () => {
  const cluster = useCluster();
  const { sockets } = cluster;

  it('one instance leads; another takes over within the bound and the read models equal a rebuild', async () => {
    const instances = await cluster.start(['a', 'b', 'c'], {
      LEDGER_LEADER_RETRY_MS: String(RETRY_MS),
      LEDGER_LEADER_TIMEOUT_MS: String(TIMEOUT_MS),
    });
    const admins = await Promise.all(instances.map((i) => connectTo(i, adminToken())));
    sockets.push(...admins);
    // Every instance names the same leader, one of the three.
    const first = await waitForStatus(admins[0], (s) => s.leader != null);
    for (const admin of admins) expect((await projectionStatus(admin)).leader).toBe(first.leader);
    expect(['a', 'b', 'c']).toContain(first.leader);
    const leader = instances.find((i) => i.id === first.leader)!;
    const survivors = instances.filter((i) => i !== leader);

    // Clients on every instance stream chunks; once KILL_AFTER_ACKS are acked the leader is SIGKILLed. A client of
    // the killed instance reconnects to a survivor and resends what has no ack (same commandId).
    let acked = 0;
    let killedAt = 0;
    let failover: Promise<{ leader: string | null | undefined; ms: number }> | undefined;
    const watcher = admins[instances.indexOf(survivors[0])];
    const streams = await Promise.all(
      Array.from({ length: CLIENTS }, async (_, n) => {
        const userId = randomUUID();
        const token = signToken(userId, TEST_JWT_SECRET);
        const socket = await connectTo(instances[n % instances.length], token);
        sockets.push(socket);
        const { runId, taskId } = await startRunWithTask(socket);
        return { userId, token, socket, runId, taskId, commandIds: [] as string[] };
      }),
    );
    await Promise.all(
      streams.map(async (s, n) => {
        for (let seq = 0; seq < CHUNKS; seq++) {
          s.commandIds[seq] = randomUUID();
          const payload = {
            runId: s.runId,
            taskId: s.taskId,
            seq,
            text: `${n}:${seq};`,
            offsetMs: seq,
            commandId: s.commandIds[seq],
          };
          for (;;) {
            const ack = await emitAck(s.socket, 'task.chunk', payload);
            if (ack?.ok) break;
            if (ack) throw new Error(`chunk ${seq} refused: ${JSON.stringify(ack.error)}`);
            s.socket.close();
            s.socket = await connectTo(survivors[n % survivors.length], s.token);
            sockets.push(s.socket);
          }
          if (++acked === KILL_AFTER_ACKS) {
            killedAt = Date.now();
            leader.ledger.kill('SIGKILL');
            failover = waitForStatus(
              watcher,
              (st) => st.leader != null && st.leader !== leader.id,
              TIMEOUT_MS + RETRY_MS * 5,
            ).then((st) => ({ leader: st.leader, ms: Date.now() - killedAt }));
          }
        }
      }),
    );
    expect(await leader.ledger.exited).toBe('SIGKILL');

    const next = await failover!;
    const electedMs = next.ms;
    expect(survivors.map((i) => i.id)).toContain(next.leader);
    await waitForProjection(cluster.db.pool);
    const caughtUpMs = Date.now() - killedAt;
    const status = await waitForStatus(watcher, (s) => s.lag === 0);
    expect(status.state).toBe('running');
    console.log(
      `failover: leader ${leader.id} killed after ${KILL_AFTER_ACKS} acks; ${next.leader} leads and status shows it ` +
        `${electedMs} ms after the kill (bound ${TIMEOUT_MS} ms); projection at the log head ${caughtUpMs} ms after it`,
    );

    // Every chunk once, in order; the rows the two leaders wrote equal a fold of the log and a full rebuild.
    expect(await duplicateChunks(cluster.db.pool)).toBe(0);
    for (const s of streams)
      expect(await chunkSeqs(cluster.db.pool, s.taskId)).toEqual(Array.from({ length: CHUNKS }, (_, i) => i));
    await expectReadModelsEqualRebuild(cluster.db.pool);
  });
});
