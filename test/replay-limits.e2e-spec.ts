import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Socket } from 'socket.io-client';
import type { ReplayFrame } from '@ledger/contract';
import { ReadService } from '../apps/ledger/src/read/read.service';
import {
  connectClient,
  ok,
  send,
  startTestLedger,
  taskPayload,
  waitForEvent,
  type TestLedger,
} from './support/ledger-server';
import { until } from './support/until';

const HOUR_MS = 3_600_000;

/** A run whose two chunks are one hour apart (offsets 0 and 1 h). */
async function runWithHourGap(socket: Socket): Promise<string> {
  const { runId } = await ok<{ runId: string }>(socket, 'run.start', { sourceType: 'chat', settings: {} });
  const task = taskPayload(runId);
  await ok(socket, 'task.create', task);
  await ok(socket, 'task.chunks', {
    runId,
    taskId: task.taskId,
    chunks: [
      { seq: 0, text: 'before the gap ', offsetMs: 0 },
      { seq: 1, text: 'after the gap', offsetMs: HOUR_MS },
    ],
  });
  return runId;
}

/** Polls `condition` every 20 ms until it holds, failing after `boundMs`. */
const eventually = (condition: () => boolean, boundMs: number, what: string) =>
  until(condition, what, boundMs);

/** Starts a paced replay on its own socket; resolves once the chunk before the gap arrived (the replay now waits). */
async function startPacedReplay(t: TestLedger, token: string, runId: string) {
  const socket = await connectClient(t.url, token);
  const first = waitForEvent<ReplayFrame>(
    socket,
    'replay.event',
    (f) => f.runId === runId && f.type === 'ChunkReceived' && f.data.seq === 0,
  );
  // The ack never comes: the client leaves mid-replay (socket.io-client then rejects the pending ack).
  void send(socket, 'run.replay', { runId, speed: 1 }).catch(() => undefined);
  await first;
  return { socket };
}

describe('run.replay resources: abortable waits and the per-user cap (idle gaps not clamped here)', () => {
  let t: TestLedger;
  const userId = randomUUID();
  let owner: Socket;
  let runId: string;

  beforeAll(async () => {
    t = await startTestLedger({
      LEDGER_REPLAY_MAX_GAP_MS: String(2 * HOUR_MS),
      LEDGER_REPLAY_MAX_PER_USER: '2',
    });
    owner = await connectClient(t.url, t.token(userId));
    runId = await runWithHourGap(owner);
  });
  afterAll(async () => {
    owner?.close();
    await t?.close();
  });

  it('a disconnect ends a paced wait at once: the server-side replay settles and the active count returns to 0', async () => {
    const reads = t.ledger.app.get(ReadService);
    const original = reads.replay.bind(reads);
    let settled = false;
    reads.replay = (u, p, sink) => {
      const running = original(u, p, sink);
      void running.finally(() => (settled = true)).catch(() => undefined);
      return running;
    };
    try {
      const { socket } = await startPacedReplay(t, t.token(userId), runId);
      // The replay now waits for the chunk an hour later.
      expect(settled).toBe(false);
      expect(reads.replays.active).toBe(1);
      socket.disconnect();
      await eventually(() => settled, 5_000, 'the replay settles after its client disconnected');
      expect(reads.replays.active).toBe(0);
    } finally {
      reads.replay = original;
    }
  });

  it('refuses a third concurrent replay of one user with RATE_LIMITED, serves another user, and frees the slot on disconnect', async () => {
    const reads = t.ledger.app.get(ReadService);
    const token = t.token(userId);
    const a = await startPacedReplay(t, token, runId);
    const b = await startPacedReplay(t, token, runId);
    const third = await connectClient(t.url, token);
    try {
      const refused = await send(third, 'run.replay', { runId, speed: 0 });
      expect(refused).toEqual({
        ok: false,
        error: {
          code: 'RATE_LIMITED',
          message: 'too many replays at once: at most 2 per user; wait for one to end',
        },
      });

      // Another user is not held back by this user's replays.
      const otherUser = randomUUID();
      const other = await connectClient(t.url, t.token(otherUser));
      const { runId: otherRun } = await ok<{ runId: string }>(other, 'run.start', {
        sourceType: 'chat',
        settings: {},
      });
      expect(await ok(other, 'run.replay', { runId: otherRun, speed: 0 })).toEqual({
        runId: otherRun,
        events: 1,
      });
      other.close();

      // One of the two ends: its slot is free again.
      a.socket.disconnect();
      await eventually(() => reads.replays.active === 1, 5_000, 'the disconnected replay ends');
      expect(await ok(third, 'run.replay', { runId, speed: 0 })).toEqual({ runId, events: 4 });
    } finally {
      b.socket.close();
      third.close();
    }
    await eventually(() => reads.replays.active === 0, 5_000, 'every replay ends');
  });
});

describe('run.replay backpressure', () => {
  let t: TestLedger;

  beforeAll(async () => {
    t = await startTestLedger({ LEDGER_REPLAY_BUFFER_BYTES: '1024' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('a client that stops reading holds its replay (frames stay unsent on the client, not piled up on the server)', async () => {
    const userId = randomUUID();
    const writer = await connectClient(t.url, t.token(userId));
    const { runId } = await ok<{ runId: string }>(writer, 'run.start', { sourceType: 'chat', settings: {} });
    const task = taskPayload(runId);
    await ok(writer, 'task.create', task);
    const chunks = Array.from({ length: 40 }, (_, seq) => ({ seq, text: 'y'.repeat(200), offsetMs: seq }));
    await ok(writer, 'task.chunks', { runId, taskId: task.taskId, chunks });
    writer.close();

    // Count what the server emits, and see when the replay waits for the client to drain.
    const reads = t.ledger.app.get(ReadService);
    const original = reads.replay.bind(reads);
    let emitted = 0;
    let held = false;
    let settled = false;
    reads.replay = (u, p, sink) => {
      const counted = {
        emit: (frame: ReplayFrame) => (emitted++, sink.emit(frame)),
        get closed() {
          return sink.closed;
        },
        signal: sink.signal,
        ready: () => {
          const wait = sink.ready?.();
          if (wait) held = true;
          return wait;
        },
      };
      const running = original(u, p, counted);
      void running.finally(() => (settled = true)).catch(() => undefined);
      return running;
    };
    try {
      // A long-polling client that asks for a replay and then never polls again: whatever the server sends
      // stays in the server's write buffer for this connection.
      const base = `${t.url}/socket.io/?EIO=4&transport=polling`;
      const open = await (await fetch(base)).text();
      const sid = (JSON.parse(open.slice(1)) as { sid: string }).sid;
      const post = (body: string) => fetch(`${base}&sid=${sid}`, { method: 'POST', body });
      await post(`40${JSON.stringify({ token: t.token(userId) })}`);
      expect(await (await fetch(`${base}&sid=${sid}`)).text()).toMatch(/^40/);
      await post(`420${JSON.stringify(['run.replay', { runId, speed: 0 }])}`);

      await eventually(() => held || settled, 5_000, 'the replay waits for the client');
      expect(settled).toBe(false);
      expect(emitted).toBeGreaterThan(0);
      expect(emitted).toBeLessThan(chunks.length + 2);
      expect(reads.replays.active).toBe(1);

      // The client is dropped: the held replay ends.
      t.disconnectSockets(userId);
      await eventually(() => settled, 5_000, 'the held replay ends on disconnect');
      expect(reads.replays.active).toBe(0);
    } finally {
      reads.replay = original;
    }
  });
});

describe('run.replay idle-gap clamp', () => {
  const CLAMP_MS = 300;
  let t: TestLedger;
  let socket: Socket;

  beforeAll(async () => {
    t = await startTestLedger({ LEDGER_REPLAY_MAX_GAP_MS: String(CLAMP_MS) });
    socket = await connectClient(t.url, t.token());
  });
  afterAll(async () => {
    socket?.close();
    await t?.close();
  });

  it('a run whose chunks are an hour apart replays at speed 1 with the gap shortened to LEDGER_REPLAY_MAX_GAP_MS', async () => {
    const runId = await runWithHourGap(socket);
    const chunkAt: number[] = [];
    const onFrame = (f: ReplayFrame) => {
      if (f.runId === runId && f.type === 'ChunkReceived') chunkAt.push(performance.now());
    };
    socket.on('replay.event', onFrame);
    try {
      const ack = await ok<{ runId: string; events: number }>(socket, 'run.replay', { runId, speed: 1 });
      expect(ack).toEqual({ runId, events: 4 });
    } finally {
      socket.off('replay.event', onFrame);
    }
    expect(chunkAt).toHaveLength(2);
    const gap = chunkAt[1] - chunkAt[0];
    console.log(
      `replay of a 1 h gap at speed 1 with a ${CLAMP_MS} ms clamp: the chunks came ${gap.toFixed(0)} ms apart`,
    );
    // The gap is kept up to the clamp, not the hour and not the default clamp of 10 s (the ack came). Measured where
    // the chunks arrive: the server's timers never fire early, but on a loaded host the first chunk can be read late
    // and the gap look shorter (278 ms seen once in CI), or the second late and it look longer.
    expect(gap).toBeGreaterThanOrEqual(CLAMP_MS - 100);
    expect(gap).toBeLessThanOrEqual(CLAMP_MS + 1_000);
  });
});
