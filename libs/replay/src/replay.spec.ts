import type { ReplayFrame } from '@ledger/contract';
import type { RecordedEvent } from '@ledger/event-store';
import { DueClock, Pacer, dueTimes, replayPaged, type StreamPages } from './replay';

const T0 = Date.parse('2026-01-01T00:00:00.000Z');
const iso = (ms: number) => new Date(T0 + ms).toISOString();

function recorded(
  revision: number,
  type: string,
  data: Record<string, unknown>,
  atMs: number,
): RecordedEvent {
  return {
    id: `e${revision}`,
    streamId: 'run-x',
    revision,
    position: { commit: BigInt(revision), prepare: BigInt(revision) },
    type,
    data,
    metadata: { userId: 'u', commandId: 'c', recordedAt: iso(atMs), schemaVersion: 1 },
  } as unknown as RecordedEvent;
}

/** A run: RunStarted, TaskCreated at 100 ms, chunks at offsets 0, 50, 3,600,000 and 3,600,010 ms, TaskCompleted. */
const RUN: RecordedEvent[] = [
  recorded(0, 'RunStarted', { runId: 'r' }, 0),
  recorded(1, 'TaskCreated', { taskId: 't', createdAt: iso(100) }, 100),
  ...[0, 50, 3_600_000, 3_600_010].map((offsetMs, i) =>
    recorded(2 + i, 'ChunkReceived', { taskId: 't', seq: i, offsetMs }, 200 + i),
  ),
  recorded(6, 'TaskCompleted', { taskId: 't' }, 300),
];

/** The stream served from memory, recording each page asked for. */
function pages(events: RecordedEvent[]): StreamPages & { asked: Array<[number, number]> } {
  const asked: Array<[number, number]> = [];
  return {
    asked,
    read: async (from, max) => {
      asked.push([from, max]);
      return events.filter((e) => e.revision >= from).slice(0, max);
    },
  };
}

describe('replay pacing and paging', () => {
  it('dates a chunk at its task createdAt + offsetMs and never before the event ahead of it', () => {
    expect(dueTimes(RUN).map((t) => t - T0)).toEqual([0, 100, 100, 150, 3_600_100, 3_600_110, 3_600_110]);
    const clock = new DueClock();
    expect(RUN.map((e) => clock.next(e))).toEqual(dueTimes(RUN));
  });

  it('reads the stream a page at a time and sends from fromVersion on, in order', async () => {
    const store = pages(RUN);
    const sent: ReplayFrame[] = [];
    const count = await replayPaged(
      store,
      { runId: 'r', fromVersion: 3, pageSize: 3, speed: 0, maxGapMs: 10_000 },
      { emit: (f) => sent.push(f), closed: false },
    );
    expect(count).toBe(4);
    expect(sent.map((f) => f.version)).toEqual([3, 4, 5, 6]);
    expect(store.asked).toEqual([
      [0, 3],
      [3, 3],
      [6, 3],
    ]);
  });

  it('waits for a congested target before each frame and stops when it closes', async () => {
    let closed = false;
    const sent: number[] = [];
    const count = await replayPaged(
      pages(RUN),
      { runId: 'r', fromVersion: 0, pageSize: 500, speed: 0, maxGapMs: 10_000 },
      {
        emit: (f) => sent.push(f.version),
        get closed() {
          return closed;
        },
        ready: () => {
          if (sent.length === 2) closed = true;
        },
      },
    );
    expect(count).toBe(2);
    expect(sent).toEqual([0, 1]);
  });

  it('tells the target when it starts sending and when it ends, also when the target closes midway', async () => {
    const calls: string[] = [];
    const target = (closeAfter: number) => {
      let sent = 0;
      return {
        start: () => calls.push('start'),
        emit: () => calls.push(`frame ${sent++}`),
        get closed() {
          return sent >= closeAfter;
        },
        end: () => calls.push('end'),
      };
    };
    const options = { runId: 'r', fromVersion: 0, pageSize: 500, speed: 0, maxGapMs: 10_000 };
    await replayPaged(pages(RUN), options, target(Infinity));
    expect(calls).toEqual(['start', ...RUN.map((_, i) => `frame ${i}`), 'end']);
    calls.length = 0;
    await replayPaged(pages(RUN), options, target(2));
    expect(calls).toEqual(['start', 'frame 0', 'frame 1', 'end']);
  });

  it('a wait whose signal aborts ends the replay at once with what was sent', async () => {
    const gone = new AbortController();
    const sent: number[] = [];
    const count = await replayPaged(
      pages(RUN),
      { runId: 'r', fromVersion: 0, pageSize: 500, speed: 1, maxGapMs: 24 * 3_600_000 },
      {
        emit: (f) => {
          sent.push(f.version);
          // The next event is an hour later: the client leaves during that wait.
          if (f.version === 3) setImmediate(() => gone.abort());
        },
        closed: false,
        signal: gone.signal,
      },
    );
    expect(count).toBe(4);
    expect(sent).toEqual([0, 1, 2, 3]);
  });

  it('a Pacer at speed 0 never waits, and an already aborted one rejects instead of sleeping', async () => {
    const atOnce = new Pacer({ speed: 0, maxGapMs: 0 });
    await atOnce.wait(0);
    await atOnce.wait(Number.MAX_SAFE_INTEGER);
    const gone = new AbortController();
    gone.abort();
    const pacer = new Pacer({ speed: 1, maxGapMs: 3_600_000, signal: gone.signal });
    await pacer.wait(T0);
    await expect(pacer.wait(T0 + 3_600_000)).rejects.toMatchObject({ name: 'AbortError' });
  });
});
