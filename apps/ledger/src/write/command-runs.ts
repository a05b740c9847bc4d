import { LRUCache } from 'lru-cache';
import type { WriteRequest } from './run-slot';

/**
 * How many (user, commandId) → run pairs a writer remembers, to refuse at once a commandId reused for a command
 * on another run (about 150 bytes a pair: some 30 MB at most). Past it the oldest pairs are forgotten; such a reuse
 * is still refused, one step later, by the store: the events' ids derive from the commandId (`DuplicateEventId`,
 * the same CONFLICT).
 */
export const MAX_REMEMBERED_COMMAND_RUNS = 200_000;

/** The run each recent commandId of a user was written to (bounded, least recently used first out). */
export class CommandRuns {
  private readonly runs = new LRUCache<string, string>({ max: MAX_REMEMBERED_COMMAND_RUNS });

  /** Whether this commandId was already written to another run. */
  usedElsewhere(request: WriteRequest): boolean {
    const runId = this.runs.get(keyOf(request));
    return runId !== undefined && runId !== request.runId;
  }

  remember(request: WriteRequest): void {
    this.runs.set(keyOf(request), request.runId);
  }
}

const keyOf = (request: WriteRequest) => `${request.userId}/${request.commandId}`;
