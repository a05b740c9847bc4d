import type { RunView, TaskView } from '@ledger/contract';
import { toRunStreamId } from '@ledger/domain';
import type { EventStore } from '@ledger/event-store';
import { foldRunView } from './run-view.fold';
import { serialiseView } from './run-view.rows';
import { readScope, type ReadScope } from './user-scope';

export interface RunAtOptions {
  /** Inclusive stream revision. */
  readonly version?: number;
  /** ISO time: the run as it was with every event recorded at or before it. */
  readonly at?: string;
}

export interface RunAtResult {
  readonly run: RunView;
  readonly tasks: TaskView[];
  readonly version: number;
}

/**
 * A run as it was at a version or a time: its stream folded with the projector's fold. A run that is neither the
 * reader's nor one of its teams': null.
 */
export async function runAt(
  store: EventStore,
  reader: string | ReadScope,
  runId: string,
  options: RunAtOptions = {},
): Promise<RunAtResult | null> {
  let events = await store.readStream(
    toRunStreamId(runId),
    options.version !== undefined ? { toRevision: options.version } : {},
  );
  if (options.at !== undefined) {
    const at = new Date(options.at).getTime();
    events = events.filter((e) => new Date(e.metadata.recordedAt).getTime() <= at);
  }
  const view = foldRunView(events);
  const { userId, teams } = readScope(reader);
  if (!view) return null;
  const teamId = view.run.teamId ?? null;
  if (view.run.userId !== userId && (teamId === null || !teams.includes(teamId))) return null;
  return { ...serialiseView(view), version: view.run.version };
}
