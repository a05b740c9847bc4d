import { LedgerError, type CommandPayload } from '@ledger/contract';
import type { ChunkEntry } from './events';
import type { Decision, NewEvent } from './run.decide.types';
import { chunkDigest, type RunState } from './run.state';
import { taskOf } from './run.decide.tasks';

/**
 * Chunks of a task's stream, by `seq`: the next one is accepted, an exact repeat is ignored (a retry), anything
 * else (other content at a known seq, a gap, a chunk after the task ended) is CONFLICT. A batch is all or nothing.
 */

/** `task.chunk`: one chunk; the ack names its seq. */
export function decideChunk(
  data: CommandPayload<'task.chunk'> & { runId: string },
  state: RunState,
): Decision {
  const { runId, taskId, commandId: _c, ...chunk } = data;
  return { events: acceptChunks(runId, taskId, [chunk], state), ack: { seq: data.seq } };
}

/**
 * `task.chunks`: a batch of one task's chunks, taken whole. The ack names the batch's highest seq: every chunk up
 * to it is stored (seqs are contiguous). It is not the payload's last seq: a batch may end with a repeat, and a
 * retry is answered from the event, which holds the new chunks alone, the highest of them last. Nor is it the
 * task's highest seq at the time: a batch of repeats alone writes nothing, so its retry is decided again, and
 * must get the same ack after later chunks.
 */
export function decideChunks(
  data: CommandPayload<'task.chunks'> & { runId: string },
  state: RunState,
): Decision {
  const events = acceptChunks(data.runId, data.taskId, data.chunks, state);
  return { events, ack: { lastSeq: Math.max(...data.chunks.map((c) => c.seq)) } };
}

export type ChunkFields = Pick<
  CommandPayload<'task.chunk'>,
  'seq' | 'kind' | 'text' | 'payload' | 'offsetMs'
>;

function acceptChunks(
  runId: string,
  taskId: string,
  chunks: readonly ChunkFields[],
  state: RunState,
): NewEvent[] {
  const task = taskOf(state, taskId);
  const accepted: ChunkEntry[] = [];
  let next = task.chunkDigests.length;
  for (const c of chunks) {
    const chunk = {
      seq: c.seq,
      kind: c.kind ?? 'text',
      ...(c.text !== undefined && { text: c.text }),
      ...(c.payload !== undefined && { payload: c.payload }),
      offsetMs: c.offsetMs,
    } as const;
    if (c.seq < next) {
      const known =
        c.seq < task.chunkDigests.length
          ? task.chunkDigests[c.seq]
          : chunkDigest(accepted[c.seq - task.chunkDigests.length]); // this command's own earlier chunk
      if (known === chunkDigest(chunk)) continue;
      throw new LedgerError('CONFLICT', `chunk ${c.seq} was already received with other content`, {
        seq: c.seq,
      });
    }
    if (c.seq > next)
      throw new LedgerError('CONFLICT', `chunk seq gap: expected ${next}, got ${c.seq}`, {
        expected: next,
        seq: c.seq,
      });
    if (task.status === 'completed' || task.status === 'failed')
      throw new LedgerError('CONFLICT', 'task has ended; no new chunks are accepted', { seq: c.seq });
    accepted.push(chunk);
    next += 1;
  }
  // One event for all of a command's new chunks (schema 4): the run, task and envelope are written once.
  return accepted.length ? [{ type: 'ChunksReceived', data: { runId, taskId, chunks: accepted } }] : [];
}
