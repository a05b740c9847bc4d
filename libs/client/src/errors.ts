import type { AckError, BudgetExceededDetails, ErrorCode } from '@ledger/contract';

/** Codes worth another attempt: the command was not (or not durably) taken, so resending it with the same commandId is safe. */
const RETRYABLE_CODES: ReadonlySet<ErrorCode> = new Set(['UNAVAILABLE', 'RATE_LIMITED']);

/**
 * Every failure the SDK reports: `code` is the protocol's (docs/protocol.md §4) when the server answered, or `UNAVAILABLE`
 * when the server could not be reached in time, or `UNAUTHORIZED` when the connection was refused.
 */
export class LedgerClientError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    /** The command that failed, and its commandId when it is a write. */
    readonly command?: string,
    readonly commandId?: string,
  ) {
    super(message);
    this.name = 'LedgerClientError';
  }

  static fromAck(error: AckError, command?: string, commandId?: string): LedgerClientError {
    if (error.code === 'BUDGET_EXCEEDED')
      return new BudgetExceededError(
        error.message,
        error.details as BudgetExceededDetails,
        command,
        commandId,
      );
    return new LedgerClientError(error.code, error.message, error.details, command, commandId);
  }

  get retryable(): boolean {
    return RETRYABLE_CODES.has(this.code);
  }
}

/**
 * `task.create` refused: the user's hard budget is spent. `createTask` rejects with it before any provider call of
 * the helpers; `details.resetsAt` says when the next period starts. Not retryable (the same command stays refused).
 */
export class BudgetExceededError extends LedgerClientError {
  constructor(
    message: string,
    override readonly details: BudgetExceededDetails,
    command?: string,
    commandId?: string,
  ) {
    super('BUDGET_EXCEEDED', message, details, command, commandId);
    this.name = 'BudgetExceededError';
  }
}

/** The transport lost a command (disconnect or no ack in time): not an answer from the server, so always retried. */
export class TransportInterrupted extends Error {
  constructor(readonly reason: 'disconnected' | 'timeout') {
    super(`command interrupted: ${reason}`);
    this.name = 'TransportInterrupted';
  }
}
