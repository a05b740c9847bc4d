import { chunksOf, type ChunkReceivedData, type Cost, type RunEvent, type Usage } from './events';
import { digest, digestOfText } from './ids';

/** The write model of one run: what `decide` needs to judge a command, nothing more. */

export type TaskStatus = 'pending' | 'streaming' | 'completed' | 'failed';

export interface TaskState {
  status: TaskStatus;
  createdAt: string;
  provider: string;
  model: string;
  requestData: Record<string, unknown>;
  /** Digest of each chunk by seq, so an exact repeat can be told from a conflicting one. */
  chunkDigests: string[];
  firstChunkOffsetMs: number | null;
  responseText: string;
  cost: Cost | null;
  /** The usage it ended with and when it ended (`completedAt` / `failedAt`), for `prices.reprice`. */
  usage: Usage | null;
  endedAt: string | null;
}

export interface CommandRecord {
  command: string;
  payloadHash: string;
  ack: unknown;
}

export interface RunState {
  status: 'new' | 'active' | 'deleted';
  runId: string | null;
  userId: string | null;
  /** Revision of the last event in the stream; -1 for an empty stream. */
  version: number;
  /** True while the name is the generated `Run YYYY-MM-DD HH:MM`, so the first user message may replace it. */
  autoNamed: boolean;
  starred: boolean;
  archived: boolean;
  /** ISO time of the last event that recorded activity (not a management event such as archiving); retention's test. */
  lastActivityAt: string | null;
  tasks: Map<string, TaskState>;
  /** The run's share links by shareId (whether revoked), so `run.unshare` can tell an unknown one. */
  shares: Map<string, { revoked: boolean }>;
  /** Recent commands by commandId with their ack, so a retry is answered the same (bounded). */
  commands: Map<string, CommandRecord>;
}

export const MAX_REMEMBERED_COMMANDS = 1_000;

/** Events that manage a run rather than record activity in it: they never make a run "active" again. */
const MANAGEMENT_EVENTS: ReadonlySet<RunEvent['type']> = new Set([
  'RunArchived',
  'RunStarred',
  'RunUnstarred',
  'RunRenamed',
  'TaskRepriced',
]);

export function initialRunState(): RunState {
  return {
    status: 'new',
    runId: null,
    userId: null,
    version: -1,
    autoNamed: false,
    starred: false,
    archived: false,
    lastActivityAt: null,
    tasks: new Map(),
    shares: new Map(),
    commands: new Map(),
  };
}

/**
 * What a chunk's retry is compared by (same seq: the same chunk is a repeat, another one a conflict). Taken for every
 * chunk folded; only ever compared with digests made here (a run's state is folded from its log, the digests are
 * never stored), so its form is free: a text chunk's fields joined by NUL (its kind and offset cannot hold one, so
 * the text is what follows the second), any other chunk's canonical JSON (which starts with `{`, never with `t`).
 */
export function chunkDigest(c: Pick<ChunkReceivedData, 'kind' | 'text' | 'payload' | 'offsetMs'>): string {
  if (c.payload === undefined && typeof c.text === 'string')
    return digestOfText(`t\u0000${c.kind}\u0000${c.offsetMs}\u0000${c.text}`, 16);
  return digest({ kind: c.kind, text: c.text, payload: c.payload, offsetMs: c.offsetMs }, 16);
}

export function autoRunName(startedAt: string): string {
  return `Run ${startedAt.slice(0, 10)} ${startedAt.slice(11, 16)}`;
}

const NAME_GRAPHEMES = 60;
/** The longest name `run.rename` accepts: 60 clusters of combining marks must not make a longer one. */
const NAME_MAX_UNITS = 500;
const graphemes = new Intl.Segmenter('und', { granularity: 'grapheme' });

/**
 * A run's name from its first user message: the first 60 characters as a reader counts them (grapheme clusters,
 * so an emoji, a flag or a letter with its accents is never cut in half into text PostgreSQL cannot store).
 */
export function nameFromMessage(content: string): string {
  let name = '';
  let count = 0;
  for (const { segment } of graphemes.segment(content.trim())) {
    if (count === NAME_GRAPHEMES || name.length + segment.length > NAME_MAX_UNITS) break;
    name += segment;
    count += 1;
  }
  return name.trim();
}

function remember(state: RunState, event: RunEvent): void {
  const { commandId, command, payloadHash } = event.metadata;
  if (!command || !payloadHash) return;
  const ack = ackOf(command, event, state.commands.get(commandId)?.ack);
  if (ack === undefined) return;
  state.commands.delete(commandId);
  state.commands.set(commandId, { command, payloadHash, ack });
  if (state.commands.size > MAX_REMEMBERED_COMMANDS) {
    const oldest = state.commands.keys().next().value;
    if (oldest !== undefined) state.commands.delete(oldest);
  }
}

/** The ack a command got, rebuilt from the event it wrote (undefined: this event does not define the ack). */
function ackOf(command: string, event: RunEvent, previous: unknown): unknown {
  switch (event.type) {
    case 'RunStarted':
      return { runId: event.data.runId };
    case 'TaskCreated':
      return { taskId: event.data.taskId };
    case 'ChunkReceived':
      return command === 'task.chunks' ? { lastSeq: event.data.seq } : { seq: event.data.seq };
    case 'ChunksReceived': {
      // The command's highest seq (decideChunks): its new chunks are in seq order, and a repeat is below them.
      const last = event.data.chunks[event.data.chunks.length - 1].seq;
      return command === 'task.chunks' ? { lastSeq: last } : { seq: last };
    }
    case 'TaskCompleted':
    case 'TaskFailed': {
      const usage = event.data.usage;
      return {
        cost: { amount: event.data.cost?.amount ?? null, priceId: event.data.cost?.priceId ?? null },
        tokensTotal: usage?.totalTokens ?? 0,
        usageSource: event.data.usageSource ?? 'estimated',
      };
    }
    case 'RunRenamed':
      return command === 'run.rename' ? {} : previous;
    case 'RunStarred':
    case 'RunUnstarred':
    case 'RunArchived':
    case 'RunDeleted':
      return {};
    case 'TaskRepriced':
      return undefined;
    case 'ShareCreated':
      // The ack's url is rebuilt at the edge from the same command (its token is never stored).
      return { shareId: event.data.shareId };
    case 'ShareRevoked':
      return {};
  }
}

/**
 * Applies one event to the state. Deterministic, no I/O, no clock. It updates the state it is given in
 * place (and returns it), so that a chunk costs O(1) however long the run: the caller owns the state.
 */
export function evolve(state: RunState, event: RunEvent, revision?: number): RunState {
  state.version = revision ?? state.version + 1;
  switch (event.type) {
    case 'RunStarted':
      state.status = 'active';
      state.runId = event.data.runId;
      state.userId = event.data.userId;
      state.autoNamed = event.data.name === autoRunName(event.data.startedAt);
      break;
    case 'TaskCreated':
      state.tasks.set(event.data.taskId, {
        status: 'pending',
        createdAt: event.data.createdAt,
        provider: event.data.provider,
        model: event.data.model,
        requestData: event.data.requestData,
        chunkDigests: [],
        firstChunkOffsetMs: null,
        responseText: '',
        cost: null,
        usage: null,
        endedAt: null,
      });
      break;
    case 'ChunkReceived':
    case 'ChunksReceived': {
      const task = state.tasks.get(event.data.taskId);
      if (task)
        for (const chunk of chunksOf(event)) {
          task.chunkDigests[chunk.seq] = chunkDigest(chunk);
          if (task.firstChunkOffsetMs === null) task.firstChunkOffsetMs = chunk.offsetMs;
          if (chunk.kind === 'text' && chunk.text) task.responseText += chunk.text;
          if (task.status === 'pending') task.status = 'streaming';
        }
      break;
    }
    case 'TaskCompleted':
    case 'TaskFailed': {
      const task = state.tasks.get(event.data.taskId);
      if (task) {
        task.status = event.type === 'TaskCompleted' ? 'completed' : 'failed';
        task.cost = event.data.cost ?? null;
        task.usage = event.data.usage ?? null;
        task.endedAt = event.type === 'TaskCompleted' ? event.data.completedAt : event.data.failedAt;
      }
      break;
    }
    case 'TaskRepriced': {
      const task = state.tasks.get(event.data.taskId);
      if (task) task.cost = event.data.cost;
      break;
    }
    case 'RunRenamed':
      state.autoNamed = false;
      break;
    case 'RunStarred':
      state.starred = true;
      break;
    case 'RunUnstarred':
      state.starred = false;
      break;
    case 'RunArchived':
      state.archived = true;
      break;
    case 'ShareCreated':
      state.shares.set(event.data.shareId, { revoked: false });
      break;
    case 'ShareRevoked':
      state.shares.set(event.data.shareId, { revoked: true });
      break;
    case 'RunDeleted':
      // The tombstone is all that stays of an erased stream; its metadata names the owner.
      state.userId = state.userId ?? event.metadata.userId;
      state.status = 'deleted';
      state.tasks.clear();
      state.shares.clear();
      state.commands.clear();
      break;
    default: {
      const unknown: never = event;
      throw new Error(`unknown event type ${(unknown as RunEvent).type}`);
    }
  }
  if (!MANAGEMENT_EVENTS.has(event.type)) state.lastActivityAt = event.metadata.recordedAt;
  remember(state, event);
  return state;
}
