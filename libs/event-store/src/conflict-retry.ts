import retry from 'async-retry';
import { WrongExpectedRevision } from './event-store.port';

/**
 * How often, and how patiently, a writer tries again when other writers keep appending to its stream between its
 * read and its append. Each try reads what they appended; the waits are short and jittered so that two writers
 * fall out of step (about 1.5 s in all before the conflict is given up).
 */
export const CONFLICT_RETRY = {
  retries: 12,
  minTimeout: 2,
  maxTimeout: 100,
  factor: 2,
  randomize: true,
} as const;

/** The conflict a retry can cure: the stream was not at the revision the writer read (`WrongExpectedRevision`). */
export function isRevisionConflict(error: unknown): boolean {
  return error instanceof WrongExpectedRevision;
}

/**
 * The one retry policy of every writer (the server's run writer, the CLI's operator commands, budgets, the
 * EventStoreDB adapter's erase): `attempt`
 * reads, decides and appends at the revision it read; a revision conflict runs it again, anything else fails at
 * once with its own error. Once the tries are spent the last conflict is thrown.
 */
export function retryOnConflict<T>(
  attempt: () => Promise<T>,
  isConflict: (error: unknown) => boolean = isRevisionConflict,
): Promise<T> {
  return retry<T>(async (bail) => {
    try {
      return await attempt();
    } catch (error) {
      if (isConflict(error)) throw error;
      bail(error instanceof Error ? error : new Error(String(error)));
      return undefined as never;
    }
  }, CONFLICT_RETRY);
}
