import type { TaskView } from '@ledger/contract';
import type { ChunkReceivedData } from '@ledger/domain';
import { appendOwned, patched, type FoldScratch } from './run-view.scratch';
import { grownText } from './flat-text';

/** A task in one of these takes no more chunks, usage or end. */
export const TERMINAL_STATUSES: ReadonlySet<TaskView['status']> = new Set(['completed', 'failed']);

/** What a chunk adds to its task's `responseText`: a text chunk's text, nothing for any other kind. */
export function streamedText(chunk: ChunkReceivedData): string {
  return (chunk.kind ?? 'text') === 'text' ? (chunk.text ?? '') : '';
}

/**
 * A task after its chunks, one after another (a `ChunkReceived`'s one, or a `ChunksReceived`'s in order), so both
 * schemas fold to the same row. A chunk changes neither tokens nor cost nor a terminal status, so patching the task
 * in place (when this fold made it) keeps `withTask`'s totals right even though the task before and after are
 * then one object.
 */
export function withChunks(
  task: TaskView,
  chunks: readonly ChunkReceivedData[],
  at: string,
  fail: (message: string) => never,
  scratch: FoldScratch | undefined,
): TaskView {
  let next = task;
  for (const d of chunks) {
    if (TERMINAL_STATUSES.has(next.status)) fail(`chunk ${d.seq} after task ${d.taskId} ended`);
    if (d.seq !== next.chunkCount) fail(`chunk seq ${d.seq} where ${next.chunkCount} was expected`);
    const kind = d.kind ?? 'text';
    const payload = d.payload ?? {};
    const before = next;
    next = patched(scratch, before, {
      status: 'streaming',
      chunkCount: before.chunkCount + 1,
      timeToFirstToken: before.chunkCount === 0 ? d.offsetMs : before.timeToFirstToken,
      updatedAt: at,
      responseText:
        kind === 'text'
          ? grownText(before.responseText + streamedText(d), before.responseText.length)
          : before.responseText,
    });
    if (kind === 'info') next.responseInfo = appendOwned(scratch, before.responseInfo, payload);
    else if (kind === 'error') next.responseErrors = appendOwned(scratch, before.responseErrors, payload);
    else if (kind === 'tool') next.toolUpdates = appendOwned(scratch, before.toolUpdates, payload);
    else if (kind === 'data') next.dataChunks = appendOwned(scratch, before.dataChunks ?? [], payload);
  }
  return next;
}
