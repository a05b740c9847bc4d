import type { ReplayFrame } from '@run-ledger/client';

/** One task as a replay has shown it so far. */
export interface ReplayTask {
  taskId: string;
  taskName: string;
  model: string;
  provider: string;
  userMessage: string | null;
  /** Text chunks so far, in seq order (joined when shown). */
  parts: string[];
  chunkCount: number;
  status: 'pending' | 'streaming' | 'completed' | 'failed';
  error: string | null;
}

/** The run as the frames applied so far describe it. Mutated in place by `applyFrame` (a replay applies thousands). */
export interface ReplayFold {
  name: string;
  version: number;
  tasks: ReplayTask[];
  byId: Map<string, ReplayTask>;
}

export function emptyFold(): ReplayFold {
  return { name: '', version: -1, tasks: [], byId: new Map() };
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

export function applyFrame(fold: ReplayFold, frame: ReplayFrame): void {
  const d = frame.data;
  fold.version = frame.version;
  const task = fold.byId.get(str(d.taskId));
  switch (frame.type) {
    case 'RunStarted':
    case 'RunRenamed':
      fold.name = str(d.name);
      return;
    case 'TaskCreated': {
      const created: ReplayTask = {
        taskId: str(d.taskId),
        taskName: str(d.taskName),
        model: str(d.model),
        provider: str(d.provider),
        userMessage: (d.userMessage as { content?: string } | undefined)?.content ?? null,
        parts: [],
        chunkCount: 0,
        status: 'pending',
        error: null,
      };
      fold.tasks.push(created);
      fold.byId.set(created.taskId, created);
      return;
    }
    case 'ChunkReceived':
      if (!task) return;
      task.chunkCount++;
      task.status = 'streaming';
      if ((d.kind ?? 'text') === 'text') task.parts.push(str(d.text));
      return;
    case 'TaskCompleted':
      if (task) task.status = 'completed';
      return;
    case 'TaskFailed':
      if (task) {
        task.status = 'failed';
        task.error = str((d.error as { message?: string } | undefined)?.message);
      }
      return;
    default:
      return;
  }
}

/** The longest pause the player keeps: longer idle gaps (a user away for an hour) are shortened to this. */
export const MAX_IDLE_GAP_MS = 5_000;

/**
 * When each frame is due, in ms from the first (docs/protocol.md §4, replay pacing): a chunk at its task's `createdAt +
 * offsetMs`, any other event at its `recordedAt`, never before the frame ahead of it; idle gaps over MAX_IDLE_GAP_MS
 * are cut to it.
 */
export function dueTimes(frames: readonly ReplayFrame[]): number[] {
  const created = new Map<string, number>();
  const out: number[] = [];
  let prevRaw = Number.NaN;
  let t = 0;
  for (const f of frames) {
    const recorded = Date.parse(str(f.metadata.recordedAt));
    if (f.type === 'TaskCreated')
      created.set(str(f.data.taskId), Date.parse(str(f.data.createdAt)) || recorded);
    const raw =
      f.type === 'ChunkReceived'
        ? (created.get(str(f.data.taskId)) ?? recorded) + Number(f.data.offsetMs ?? 0)
        : recorded;
    if (out.length > 0 && Number.isFinite(raw) && Number.isFinite(prevRaw))
      t += Math.min(MAX_IDLE_GAP_MS, Math.max(0, raw - prevRaw));
    if (Number.isFinite(raw)) prevRaw = Math.max(Number.isFinite(prevRaw) ? prevRaw : raw, raw);
    out.push(t);
  }
  return out;
}

/** One lane of the task waterfall: times in ms on the replay's timeline. */
export interface WaterfallLane {
  taskId: string;
  label: string;
  created: number;
  firstToken: number | null;
  ended: number | null;
  status: ReplayTask['status'];
  /** Chunk arrivals, as counts per bucket of the lane's span (the arrival pattern, bounded whatever the chunk count). */
  density: number[];
}

export function waterfall(
  frames: readonly ReplayFrame[],
  due: readonly number[],
  buckets = 60,
): WaterfallLane[] {
  const lanes = new Map<string, WaterfallLane & { arrivals: number[] }>();
  frames.forEach((f, i) => {
    const id = str(f.data.taskId);
    if (f.type === 'TaskCreated')
      lanes.set(id, {
        taskId: id,
        label: `${str(f.data.taskName)} · ${str(f.data.model)}`,
        created: due[i],
        firstToken: null,
        ended: null,
        status: 'pending',
        density: [],
        arrivals: [],
      });
    const lane = lanes.get(id);
    if (!lane) return;
    if (f.type === 'ChunkReceived') {
      lane.firstToken ??= due[i];
      lane.status = 'streaming';
      lane.arrivals.push(due[i]);
    } else if (f.type === 'TaskCompleted' || f.type === 'TaskFailed') {
      lane.ended = due[i];
      lane.status = f.type === 'TaskCompleted' ? 'completed' : 'failed';
    }
  });
  return [...lanes.values()].map(({ arrivals, ...lane }) => {
    const end = lane.ended ?? arrivals[arrivals.length - 1] ?? lane.created;
    const span = Math.max(1, end - lane.created);
    const density = new Array<number>(Math.min(buckets, Math.max(1, arrivals.length))).fill(0);
    for (const a of arrivals)
      density[Math.min(density.length - 1, Math.floor(((a - lane.created) / span) * density.length))]++;
    return { ...lane, density };
  });
}

/**
 * The stretch of the replay's timeline the tasks take: first task created to last task ended, a task not ended yet
 * reaching `now`. Later run events (rename, star, share, archive) are left out, or a short task would be a sliver.
 */
export function taskSpan(lanes: readonly WaterfallLane[], now: number): { start: number; end: number } {
  if (lanes.length === 0) return { start: 0, end: 0 };
  return {
    start: Math.min(...lanes.map((l) => l.created)),
    end: Math.max(...lanes.map((l) => l.ended ?? now)),
  };
}

/** The frames as a JSONL file: one `{version, type, data, metadata}` object a line, in stream order. */
export function framesToJsonl(frames: readonly ReplayFrame[]): string {
  return frames.map((f) => JSON.stringify(f)).join('\n') + (frames.length ? '\n' : '');
}
