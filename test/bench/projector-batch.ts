/* The projector's work per batch for streaming tasks: 50 runs × 4 tasks each take one 20-character chunk a batch.
 * In this process (no database), each batch is folded, diffed into rows and posted across to the server's thread as
 * the projector's worker does it (postChange, a structured clone, receiveChange); in PostgreSQL, its rows are
 * written as the projector writes them (writeChanges, one transaction). Measured once over texts of 1 KB and once
 * over texts of 50 KB: a batch should cost what it adds, not the length of the texts it streams onto
 * (docs/performance.md, findings 29 and 30). */
import { randomUUID } from 'node:crypto';
import { toRunStreamId, type RunEventBody } from '@ledger/domain';
import { runEvents } from '../../libs/projections/test/fixtures';
import type { RecordedEvent } from '@ledger/event-store';
import { diffBatch, foldBatch, LIVE_TABLES, writeChanges, type RunViewModel } from '@ledger/projections';
import type { Pool } from 'pg';
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

/** Runs whose tasks open with a text of `textChars` characters, then take one chunk each per `batch(seq)`. */
function streamingRuns(textChars: number) {
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
      chunk(run, taskId, 0, prose(textChars)),
    ]),
  ]);
  const views: ReadonlyMap<string, RunViewModel | null> = new Map(runs.map((r) => [r.runId, null]));
  return {
    /** The views before any event, and the events that open the texts. */
    empty: views,
    opening,
    batch: (seq: number) =>
      runs.flatMap((run) =>
        run.taskIds.map((taskId) => chunk(run, taskId, seq, `tok${seq % 10}abcdefghijklmnop`)),
      ),
  };
}

/** `batches` batches of one chunk per task over texts that start `textChars` long; the median batch's time. */
export function projectorBatchCost(textChars: number, batches: number): BatchCost {
  const stream = streamingRuns(textChars);
  let views = foldBatch(stream.empty, stream.opening).after;
  let sent = emptyMemory();
  let kept = emptyMemory();
  const times: number[] = [];
  for (let seq = 1; seq <= batches; seq++) {
    const events = stream.batch(seq);
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
  return { textChars, batches, medianUs: median(times) * 1000 };
}

export interface SqlBatchCost extends BatchCost {
  /** Mean time of a batch, µs: with the batches that move a task's text tail into its head (finding 30). */
  meanUs: number;
}

/**
 * The same batches written to the read models of a migrated database (the projector's `writeChanges`, each batch
 * in its own transaction), after the opening rows; the time of each write, in PostgreSQL and the round trips.
 */
export async function projectorSqlCost(
  pool: Pool,
  textChars: number,
  batches: number,
): Promise<SqlBatchCost> {
  const stream = streamingRuns(textChars);
  const write = async (before: ReadonlyMap<string, RunViewModel | null>, events: RecordedEvent[]) => {
    const folded = foldBatch(before, events);
    const changes = diffBatch(before, folded);
    const client = await pool.connect();
    try {
      const t0 = performance.now();
      await client.query('BEGIN');
      await writeChanges(client, LIVE_TABLES, changes);
      await client.query('COMMIT');
      return { after: folded.after, ms: performance.now() - t0 };
    } finally {
      client.release();
    }
  };
  let views = (await write(stream.empty, stream.opening)).after;
  const times: number[] = [];
  for (let seq = 1; seq <= batches; seq++) {
    const written = await write(views, stream.batch(seq));
    times.push(written.ms);
    views = written.after;
  }
  const meanMs = times.reduce((a, b) => a + b, 0) / times.length;
  return { textChars, batches, medianUs: median(times) * 1000, meanUs: meanMs * 1000 };
}

/**
 * `chars` characters of made-up words (a fixed pseudo-random sequence): a text compresses about as much as prose
 * does, not to nothing as one letter repeated would (PostgreSQL compresses a long text before it stores it). Joined
 * once, so the string is flat, as a chunk's text parsed from JSON is (a string grown by `+=` is a rope of its pieces,
 * which the garbage collector would trace at every collection).
 */
function prose(chars: number): string {
  let seed = 0x9e3779b9;
  const next = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) >>> 8) / 0x1000000;
  const letters = 'etaoinshrdlucmfwypvbgkqjxz';
  const words: string[] = [];
  for (let length = 0; length < chars;) {
    const size = 1 + Math.floor(next() * 9);
    let word = '';
    for (let i = 0; i < size; i++) word += letters[Math.floor(next() ** 2 * letters.length)];
    words.push(word, next() < 0.1 ? '. ' : ' ');
    length += word.length + 2;
  }
  return words.join('').slice(0, chars);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}
