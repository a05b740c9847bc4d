import { setTimeout as delay } from 'node:timers/promises';
import type { ReplayFrame } from '@ledger/contract';
import type { RecordedEvent } from '@ledger/event-store';
import { perChunk } from '@ledger/domain';

/**
 * When each event of a run is due in a replay (docs/protocol.md, replay): a chunk at its task's `createdAt +
 * offsetMs`, any other event at its `recordedAt`, never before the event ahead of it. Fed one event at a time, in
 * stream order, so a replay can page through the stream: it keeps only each task's `createdAt`.
 */
export class DueClock {
  private readonly taskCreated = new Map<string, number>();
  private previous = -Infinity;

  /** Milliseconds since the epoch; non-decreasing over the calls. */
  next(e: RecordedEvent): number {
    let t: number;
    if (e.type === 'TaskCreated') {
      t = Date.parse(e.data.createdAt);
      this.taskCreated.set(e.data.taskId, t);
    } else if (e.type === 'ChunkReceived') {
      const base = this.taskCreated.get(e.data.taskId);
      t = base === undefined ? Date.parse(e.metadata.recordedAt) : base + e.data.offsetMs;
    } else {
      t = Date.parse(e.metadata.recordedAt);
    }
    if (!Number.isFinite(t)) t = this.previous;
    this.previous = Math.max(this.previous, t);
    return this.previous;
  }
}

/** The due times of a whole run, one per event (see `DueClock`). */
/** A run's events chunk by chunk (a `ChunksReceived` as one `ChunkReceived` per chunk): what a replay sends. */
export function replayEvents(events: readonly RecordedEvent[]): RecordedEvent[] {
  return events.flatMap((e) => perChunk(e));
}

/** The due times of a whole run, one per event; chunk batches already split (see `replayEvents`). */
export function dueTimes(events: readonly RecordedEvent[]): number[] {
  const clock = new DueClock();
  return events.map((e) => clock.next(e));
}

export function toFrame(
  runId: string,
  e: RecordedEvent,
  metadata: Record<string, unknown> = { ...e.metadata },
): ReplayFrame {
  return {
    runId,
    version: e.revision,
    type: e.type,
    // Copies: an event's data is a plain JSON object, and a copy is one with an index signature.
    data: { ...e.data },
    metadata,
  };
}

export interface ReplayTarget<T = ReplayFrame> {
  emit(frame: T): void;
  /** True once the receiver is gone: the replay stops at once. */
  readonly closed: boolean;
  /** Aborted when the receiver goes: a paced wait ends at once instead of pinning the replay. */
  readonly signal?: AbortSignal;
  /** Resolves when the receiver can take more frames (backpressure); absent: always ready. */
  ready?(): Promise<void> | void;
  /** Called as a replay starts sending and once it ends (a socket batches its writes meanwhile). */
  start?(): void;
  end?(): void;
}

export interface PaceOptions {
  /** 1 = original timing, N = N times faster, 0 = at once. */
  readonly speed: number;
  /** A gap between two events longer than this (after division by speed) is shortened to it. */
  readonly maxGapMs: number;
  readonly signal?: AbortSignal;
}

/**
 * The replay clock: `wait(due)` resolves when the event due at `due` should go out. Each gap between two events is
 * divided by the speed and clamped to `maxGapMs`; the schedule is kept from the first event (not from the previous
 * wake-up), so timer lateness does not add up over a run. Rejects with an AbortError when the signal aborts.
 */
export class Pacer {
  private last: number | null = null;
  private scheduledMs = 0;
  private startedAt = 0;

  constructor(private readonly options: PaceOptions) {}

  async wait(due: number): Promise<void> {
    const { speed, maxGapMs, signal } = this.options;
    if (speed <= 0) return;
    if (this.last === null) {
      this.last = due;
      this.startedAt = performance.now();
      return;
    }
    this.scheduledMs += Math.min((due - this.last) / speed, maxGapMs);
    this.last = due;
    const ahead = this.scheduledMs - (performance.now() - this.startedAt);
    if (ahead >= 1) await delay(ahead, undefined, { signal });
  }
}

function isAbort(error: unknown): boolean {
  return (error as { name?: string } | null)?.name === 'AbortError';
}

/**
 * Sends frames (socket frames, or events a terminal renders) paced by `options`. Resolves with the number of frames
 * sent; stops early when the target closes (its signal aborts any wait at once).
 */
export async function pace<T>(
  frames: readonly T[],
  due: readonly number[],
  options: PaceOptions,
  target: ReplayTarget<T>,
): Promise<number> {
  const pacer = new Pacer({ ...options, signal: options.signal ?? target.signal });
  let sent = 0;
  try {
    for (let i = 0; i < frames.length; i++) {
      await pacer.wait(due[i]);
      await target.ready?.();
      if (target.closed) return sent;
      target.emit(frames[i]);
      sent += 1;
    }
  } catch (error) {
    if (isAbort(error)) return sent;
    throw error;
  }
  return sent;
}

export interface StreamPages {
  /** Up to `maxCount` events of the stream from `fromRevision` on, in order. */
  read(fromRevision: number, maxCount: number): Promise<readonly RecordedEvent[]>;
}

export interface ReplayOptions extends PaceOptions {
  readonly runId: string;
  /** The first version sent (inclusive); earlier events are read only to know their tasks' times. */
  readonly fromVersion: number;
  readonly pageSize: number;
}

/**
 * A replay that holds one page of the stream at a time: each page is read from the store, paced, sent, and
 * dropped before the next one is read. It waits while the target is congested and ends at once when the target
 * goes. Resolves with the number of frames sent; events appended while it runs are sent too, up to the end.
 */
export async function replayPaged(
  pages: StreamPages,
  options: ReplayOptions,
  target: ReplayTarget,
): Promise<number> {
  const clock = new DueClock();
  const pacer = new Pacer({ ...options, signal: options.signal ?? target.signal });
  let next = 0;
  let sent = 0;
  target.start?.();
  try {
    for (;;) {
      if (target.closed) return sent;
      const page = await pages.read(next, options.pageSize);
      // The frames of one event's chunks share one copy of its metadata (a socket writes its JSON once).
      let metadataOf: RecordedEvent['metadata'] | null = null;
      let metadata: Record<string, unknown> = {};
      for (const e of replayEvents(page)) {
        const due = clock.next(e);
        if (e.revision < options.fromVersion) continue;
        // At speed 0 and with room at the target nothing waits: no promise per frame then (10,000 frames a run).
        if (options.speed > 0) await pacer.wait(due);
        const congested = target.ready?.();
        if (congested) await congested;
        if (target.closed) return sent;
        if (e.metadata !== metadataOf) {
          metadataOf = e.metadata;
          metadata = { ...e.metadata };
        }
        target.emit(toFrame(options.runId, e, metadata));
        sent += 1;
      }
      if (page.length < options.pageSize) return sent;
      next = page[page.length - 1].revision + 1;
    }
  } catch (error) {
    if (isAbort(error)) return sent;
    throw error;
  } finally {
    target.end?.();
  }
}
