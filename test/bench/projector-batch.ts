/* The projector's work per batch for streaming tasks, in this process (no database): 50 runs × 4 tasks each take
 * one 20-character chunk a batch, and each batch is folded, diffed into rows and posted across to the server's
 * thread as the projector's worker does it (postChange, a structured clone, receiveChange). Measured once over
 * texts of 1 KB and once over texts of 50 KB: a batch should cost what it adds, not the length of the texts it
 * streams onto (docs/performance.md, finding 29). */
import { randomUUID } from 'node:crypto';
import { toRunStreamId, type RunEventBody } from '@ledger/domain';
import { runEvents } from '../../libs/projections/test/fixtures';
import type { RecordedEvent } from '@ledger/event-store';
import { diffBatch, foldBatch, type RunViewModel } from '@ledger/projections';
import { emptyMemory, postChange, receiveChange } from '../../apps/ledger/src/read/projector-messages';

const RUNS = 50;
const TASKS_PER_RUN = 4;
export const PROJECTOR_BATCH_TASKS = RUNS * TASKS_PER_RUN;

export interface BatchCost {
  /** Characters of each streaming text when the measured batches start. */
  textChars: number;
  batches: number;
  /** Median time of a batch, µs. */
  medianUs: number;
}

/** `batches` batches of one chunk per task over texts that start `textChars` long; the median batch's time. */
export function projectorBatchCost(textChars: number, batches: number): BatchCost {
  const userId = randomUUID();
  let prepare = 0n;
  let ms = Date.parse('2026-01-01T00:00:00.000Z');
  const runs = Array.from({ length: RUNS }, () => {
    const runId = randomUUID();
    const taskIds = Array.from({ length: TASKS_PER_RUN }, () => randomUUID());
    return { runId, taskIds, events: runEvents(runId, userId), revision: 0 };
  });
  const recorded = (run: (typeof runs)[number], body: RunEventBody): RecordedEvent =>
    ({
      id: randomUUID(),
      streamId: toRunStreamId(run.runId),
      revision: run.revision++,
      position: { commit: 1n, prepare: ++prepare },
      ...body,
      metadata: {
        userId,
        commandId: randomUUID(),
        recordedAt: new Date((ms += 1)).toISOString(),
        schemaVersion: 1,
      },
    }) as RecordedEvent;
  const chunk = (run: (typeof runs)[number], taskId: string, seq: number, text: string) =>
    recorded(run, run.events.chunk(taskId, seq, text, seq));

  // The runs, their tasks and a first chunk of `textChars` characters: the texts the measured batches stream onto.
  const at = () => new Date(ms).toISOString();
  const opening = runs.flatMap((run) => [
    recorded(run, run.events.started(at())),
    ...run.taskIds.flatMap((taskId) => [
      recorded(run, run.events.created(taskId, at(), 'Tell me')),
      chunk(run, taskId, 0, 'x'.repeat(textChars)),
    ]),
  ]);
  let views: ReadonlyMap<string, RunViewModel | null> = foldBatch(
    new Map(runs.map((r) => [r.runId, null])),
    opening,
  ).after;
  let sent = emptyMemory();
  let kept = emptyMemory();
  const times: number[] = [];
  for (let seq = 1; seq <= batches; seq++) {
    const events = runs.flatMap((run) =>
      run.taskIds.map((taskId) => chunk(run, taskId, seq, `tok${seq % 10}abcdefghijklmnop`)),
    );
    const t0 = performance.now();
    const folded = foldBatch(views, events);
    const changes = diffBatch(views, folded);
    const posted = postChange(
      {
        runIds: [...folded.after.keys()],
        runs: changes.runs,
        tasks: changes.tasks,
        textAppends: changes.textAppends,
      },
      sent,
    );
    sent = posted.next;
    kept = receiveChange(structuredClone(posted.posted), kept).next;
    times.push(performance.now() - t0);
    views = folded.after;
  }
  times.sort((a, b) => a - b);
  return { textChars, batches, medianUs: times[Math.floor(times.length / 2)] * 1000 };
}
