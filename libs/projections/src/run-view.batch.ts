import type { RunView, TaskView } from '@ledger/contract';
import type { RecordedEvent } from '@ledger/event-store';
import { chunksOf, fromRunStreamId, type RunEvent } from '@ledger/domain';
import { evolveRunView, TERMINAL_STATUSES, type FoldScratch, type RunViewModel } from './run-view.fold';
import { addMoney, subMoney } from '@ledger/money';
import { appendsText, onlyTouches } from './run-view.rows';
import { streamedText } from './run-view.chunks';

/** Folding a batch of the global log over the views of the runs it touches, and what changed (rows to write). */

/** An event the projection could not apply to its run, and why (the fold refused it, or PostgreSQL a value). */
export interface RunFailure {
  readonly event: RecordedEvent;
  readonly error: unknown;
}

export interface FoldedBatch {
  /** The view of every touched run after the batch (null: the run is gone). */
  readonly after: Map<string, RunViewModel | null>;
  /** Task ids changed per run. */
  readonly changedTasks: Map<string, Set<string>>;
  /** The events applied, per run, in order (a prefix of them is what a data error lets through). */
  readonly applied: Map<string, RecordedEvent[]>;
  /** Runs whose fold stopped at an event it refused: their view in `after` is the one right before it. */
  readonly failures: Map<string, RunFailure>;
  /** Quarantined runs this batch erased (`RunDeleted` always applies): they leave the quarantine. */
  readonly released: Set<string>;
}

export interface FoldOptions {
  /** Runs set aside: their events are not applied (but `RunDeleted` is). */
  readonly quarantined?: ReadonlySet<string>;
  /** Event ids an operator skipped: never applied. */
  readonly skipped?: ReadonlySet<string>;
  /** Objects this fold may update in place (a rebuild shares one across its pages). */
  readonly scratch?: FoldScratch;
  /** Only the views: no changed tasks nor applied events (a rebuild's first pass writes whole views). */
  readonly viewsOnly?: boolean;
}

export function runIdOf(event: RecordedEvent): string | null {
  return fromRunStreamId(event.streamId);
}

/**
 * `base` must hold the view (or null) of every run the events touch. An event the fold refuses stops its run
 * only: the other runs of the batch go on.
 */
export function foldBatch(
  base: ReadonlyMap<string, RunViewModel | null>,
  events: readonly RecordedEvent[],
  options: FoldOptions = {},
): FoldedBatch {
  const after = new Map<string, RunViewModel | null>();
  const scratch: FoldScratch = options.scratch ?? new WeakSet();
  const changedTasks = new Map<string, Set<string>>();
  const applied = new Map<string, RecordedEvent[]>();
  const failures = new Map<string, RunFailure>();
  const released = new Set<string>();
  for (const event of events) {
    const runId = runIdOf(event);
    if (!runId || options.skipped?.has(event.id)) continue;
    const blocked = (options.quarantined?.has(runId) && !released.has(runId)) || failures.has(runId);
    if (blocked) {
      if (event.type !== 'RunDeleted') continue;
      // An erasure is never held back: the run's rows go, and so does its quarantine.
      failures.delete(runId);
      if (options.quarantined?.has(runId)) released.add(runId);
    }
    const current = after.has(runId) ? after.get(runId)! : (base.get(runId) ?? null);
    let next: RunViewModel | null;
    try {
      next = evolveRunView(current, event, scratch);
    } catch (error) {
      failures.set(runId, { event, error });
      continue;
    }
    after.set(runId, next);
    if (options.viewsOnly) continue;
    const taskId = 'taskId' in event.data ? event.data.taskId : undefined;
    if (taskId && next) {
      const set = changedTasks.get(runId) ?? new Set<string>();
      set.add(taskId);
      changedTasks.set(runId, set);
    }
    const list = applied.get(runId) ?? [];
    list.push(event);
    applied.set(runId, list);
  }
  return { after, changedTasks, applied, failures, released };
}

/** The part of a folded batch that concerns some runs. */
export function restrictBatch(folded: FoldedBatch, runIds: readonly string[]): FoldedBatch {
  const pick = <T>(m: Map<string, T>) =>
    new Map(runIds.filter((id) => m.has(id)).map((id) => [id, m.get(id)!] as const));
  return {
    after: pick(folded.after),
    changedTasks: pick(folded.changedTasks),
    applied: pick(folded.applied),
    failures: pick(folded.failures),
    released: new Set(runIds.filter((id) => folded.released.has(id))),
  };
}

export interface UsageDelta {
  readonly user_id: string;
  readonly day: string;
  readonly model: string;
  readonly provider: string;
  tasks: number;
  /** Token sums are exact decimal strings: a usage day may pass 2^53 (and bigint). */
  input_tokens: string;
  output_tokens: string;
  cached_tokens: string;
  reasoning_tokens: string;
  cost: string;
  unpriced_tasks: number;
}

/** Sums of usage by (user, UTC day of the task's end, model); a task counts once it ended. */
export class UsageAccumulator {
  private readonly rows = new Map<string, UsageDelta>();

  add(task: TaskView, sign: 1 | -1): void {
    if (!TERMINAL_STATUSES.has(task.status) || !task.completedAt) return;
    const day = task.completedAt.slice(0, 10);
    const key = `${task.userId}|${day}|${task.model}`;
    let row = this.rows.get(key);
    if (!row) {
      row = {
        user_id: task.userId,
        day,
        model: task.model,
        provider: task.provider,
        tasks: 0,
        input_tokens: '0',
        output_tokens: '0',
        cached_tokens: '0',
        reasoning_tokens: '0',
        cost: '0',
        unpriced_tasks: 0,
      };
      this.rows.set(key, row);
    }
    const add = (sum: string, value: number | string) =>
      sign > 0 ? addMoney(sum, String(value)) : subMoney(sum, String(value));
    row.tasks += sign;
    row.input_tokens = add(row.input_tokens, task.tokensInput);
    row.output_tokens = add(row.output_tokens, task.tokensOutput);
    row.cached_tokens = add(row.cached_tokens, task.tokensCached);
    row.reasoning_tokens = add(row.reasoning_tokens, task.tokensReasoning);
    if (task.cost !== null) row.cost = add(row.cost, task.cost);
    else row.unpriced_tasks += sign;
  }

  /** Non-zero deltas only. */
  deltas(): UsageDelta[] {
    return [...this.rows.values()].filter(
      (r) =>
        r.tasks !== 0 ||
        r.input_tokens !== '0' ||
        r.output_tokens !== '0' ||
        r.cached_tokens !== '0' ||
        r.reasoning_tokens !== '0' ||
        r.cost !== '0' ||
        r.unpriced_tasks !== 0,
    );
  }
}

export interface RowChanges {
  readonly runs: RunView[];
  /** Ids of runs in `runs` whose messages are as stored (their row is updated without rewriting them). */
  readonly messagesUnchanged: Set<string>;
  /**
   * Ids of runs in `runs` of which only the activity time and version moved (`onlyTouches`; none of them is in
   * `messagesUnchanged`): their row is updated in those columns alone.
   */
  readonly touchedOnly: Set<string>;
  readonly tasks: TaskView[];
  /**
   * Tasks in `tasks` that only streamed text since their stored row (`appendsText`), by row id: their stored text
   * and what the batch added to it. Their row is written by appending that (a streaming task's text is rewritten
   * whole by nothing else, so a batch costs what it adds, not the text's length).
   */
  readonly textAppends: Map<string, TextAppend>;
  readonly deletedRunIds: string[];
  readonly usage: UsageDelta[];
}

/** A task's text before a batch (the very string the view held) and what the batch's chunks added to it. */
export interface TextAppend {
  readonly base: string;
  readonly added: string;
}

/** What the chunks of `events` add to each task's text, by task id (as `withChunks` appends it). */
function addedTexts(events: readonly RecordedEvent[]): Map<string, string> {
  const added = new Map<string, string>();
  for (const event of events)
    for (const chunk of chunksOf(event as RunEvent)) {
      const text = streamedText(chunk);
      if (text) added.set(chunk.taskId, (added.get(chunk.taskId) ?? '') + text);
    }
  return added;
}

/** The rows to write for a folded batch: only the runs and tasks that changed, and the usage difference. */
export function diffBatch(base: ReadonlyMap<string, RunViewModel | null>, folded: FoldedBatch): RowChanges {
  const runs: RunView[] = [];
  const tasks: TaskView[] = [];
  const textAppends = new Map<string, TextAppend>();
  const deletedRunIds: string[] = [];
  const messagesUnchanged = new Set<string>();
  const touchedOnly = new Set<string>();
  const usage = new UsageAccumulator();
  for (const [runId, view] of folded.after) {
    const before = base.get(runId) ?? null;
    if (!view) {
      deletedRunIds.push(runId);
      for (const t of before?.tasks.values() ?? []) usage.add(t, -1);
      continue;
    }
    runs.push(view.run);
    // The fold never mutates a base view's array: the same array means no message was added or changed.
    if (before?.run.id === view.run.id) {
      if (onlyTouches(before.run, view.run)) touchedOnly.add(runId);
      else if (before.run.messages === view.run.messages) messagesUnchanged.add(runId);
    }
    let added: Map<string, string> | undefined;
    for (const taskId of folded.changedTasks.get(runId) ?? []) {
      const next = view.tasks.get(taskId)!;
      tasks.push(next);
      const prev = before?.run.id === view.run.id ? before.tasks.get(taskId) : undefined;
      if (prev) usage.add(prev, -1);
      usage.add(next, 1);
      if (!prev) continue;
      added ??= addedTexts(folded.applied.get(runId) ?? []);
      const text = added.get(taskId) ?? '';
      if (!appendsText(prev, next, text)) continue;
      textAppends.set(next.id, { base: prev.responseText, added: text });
    }
  }
  return { runs, messagesUnchanged, touchedOnly, tasks, textAppends, deletedRunIds, usage: usage.deltas() };
}
