import type { AckData, CommandName, CommandPayload, WriteCommandName } from '@ledger/contract';
import type { LedgerClientError } from './errors';

/** What run and task handles need from their client (kept apart so that handles never import the client). */
export interface ClientCore {
  readonly flushIntervalMs: number;
  readonly maxBatch: number;
  now(): number;
  newId(): string;
  /** Validates, stamps a fresh commandId and queues a write in the run's lane. */
  write<N extends WriteCommandName>(
    runId: string,
    name: N,
    payload: Omit<CommandPayload<N>, 'commandId'>,
  ): Promise<AckData[N]>;
  read<N extends CommandName>(name: N, payload: CommandPayload<N>): Promise<AckData[N]>;
  /** An error no caller's promise carries (a failed chunk batch): kept for the next flush() and passed to onError. */
  reportError(error: LedgerClientError): void;
  /** Marks an error as reported (it surfaced through a task's complete()). */
  consumeError(error: LedgerClientError): void;
  trackTask(task: { flushBuffer(): void }, active: boolean): void;
}
