import type { ReplayFrame } from '@ledger/contract';
import type { Connection } from './connection';
import { LedgerClientError, TransportInterrupted } from './errors';
import type { ReplayInput, ReplayResult } from './types';

/**
 * A frame's place in a replay: its version, then its chunk's seq, since the chunks of one batch event
 * (`ChunksReceived`) are sent as one `ChunkReceived` frame each, all with that event's version.
 */
function placeOf(frame: ReplayFrame): readonly [number, number] {
  const seq = frame.type === 'ChunkReceived' ? frame.data.seq : undefined;
  return [frame.version, typeof seq === 'number' ? seq : -1];
}
const isAfter = (a: readonly [number, number], b: readonly [number, number]) =>
  a[0] > b[0] || (a[0] === b[0] && a[1] > b[1]);

/**
 * The frames of one `run.replay`, as an async iterable that ends when the ack arrives. If the connection drops midway,
 * the replay is asked again from the version of the last frame received (a batch's other chunks may be still to
 * come), and what was already delivered is skipped, so no frame is lost or repeated.
 */
export class ReplayStream implements AsyncIterable<ReplayFrame> {
  /** Resolves with `{ runId, events }` (events = frames delivered) once the replay is done; rejects on error. */
  readonly done: Promise<ReplayResult>;
  private readonly frames: ReplayFrame[] = [];
  private waiting: (() => void) | undefined;
  private finished = false;
  private failure: unknown;
  private delivered = 0;
  private last: readonly [number, number] | undefined;

  constructor(
    private readonly connection: Connection,
    private readonly runId: string,
    private readonly input: ReplayInput,
    /** Replays of one run share the `replay.event` frames: the client runs them one after the other. */
    after: Promise<unknown>,
  ) {
    this.done = after.then(
      () => this.run(),
      () => this.run(),
    );
    this.done.catch(() => undefined); // surfaced through iteration; a caller may also await `done`
  }

  async *[Symbol.asyncIterator](): AsyncIterator<ReplayFrame> {
    while (true) {
      const frame = this.frames.shift();
      if (frame) {
        yield frame;
        continue;
      }
      if (this.finished) {
        if (this.failure !== undefined) throw this.failure;
        return;
      }
      await new Promise<void>((resolve) => (this.waiting = resolve));
    }
  }

  private async run(): Promise<ReplayResult> {
    const onFrame = (frame: ReplayFrame) => {
      if (frame.runId !== this.runId || this.finished) return;
      const place = placeOf(frame);
      if (this.last !== undefined && !isAfter(place, this.last)) return;
      this.last = place;
      this.delivered++;
      this.frames.push(frame);
      this.wake();
    };
    this.connection.on('replay.event', onFrame);
    try {
      while (true) {
        await this.connection.waitConnected();
        const fromVersion = this.last === undefined ? this.input.fromVersion : this.last[0];
        try {
          const ack = await this.connection.send(
            'run.replay',
            { ...this.input, runId: this.runId, ...(fromVersion === undefined ? {} : { fromVersion }) },
            null,
          );
          return { runId: ack.runId, events: this.delivered };
        } catch (e) {
          if (e instanceof TransportInterrupted) continue;
          throw e;
        }
      }
    } catch (e) {
      this.failure =
        e instanceof LedgerClientError ? e : new LedgerClientError('INTERNAL', String(e), e, 'run.replay');
      throw this.failure;
    } finally {
      this.finished = true;
      this.connection.off('replay.event', onFrame);
      this.wake();
    }
  }

  private wake(): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.();
  }
}
