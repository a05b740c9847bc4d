import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { LedgerError, type AckError } from '@ledger/contract';
import { StoreUnavailable, isConnectionError } from '@ledger/event-store';
import { InvalidCursor } from '@ledger/projections';

export interface FailedCommand {
  readonly command: string;
  readonly userId: string;
}

/**
 * The one place where a failure becomes an ack error. The ledger's own errors (`LedgerError`) say what the client
 * did; anything else is described in generic words only: the text of a database or library error is for the log,
 * never for the client (it can name tables, roles, constraints, values of other users). Such an ack carries
 * `details.correlationId`, and the log line that holds the real error carries the same id.
 */
export function toAckError(error: unknown, failed: FailedCommand, logger: Logger): AckError {
  if (error instanceof LedgerError) {
    const own: AckError = {
      code: error.code,
      message: error.message,
      ...(error.details !== undefined && { details: error.details }),
    };
    if (own.code !== 'UNAVAILABLE' && own.code !== 'INTERNAL') return own;
    return logged(own, error, failed, logger, 'warn');
  }
  if (error instanceof InvalidCursor) return { code: 'VALIDATION', message: 'cursor: invalid cursor' };
  if (error instanceof StoreUnavailable)
    return logged(
      { code: 'UNAVAILABLE', message: 'the store is unavailable; retry with the same commandId' },
      error,
      failed,
      logger,
      'warn',
    );
  // PostgreSQL's data exceptions (class 22: a date out of its range, …) are about a value the client sent.
  if (
    typeof (error as { code?: unknown })?.code === 'string' &&
    (error as { code: string }).code.startsWith('22')
  )
    return logged(
      { code: 'VALIDATION', message: 'a value of the payload is outside what the ledger can store' },
      error,
      failed,
      logger,
      'info',
    );
  // A read whose connection was killed or timed out: the database is away, not a bug of ours.
  if (isConnectionError(error))
    return logged(
      { code: 'UNAVAILABLE', message: 'the database is unavailable; retry' },
      error,
      failed,
      logger,
      'warn',
    );
  return logged({ code: 'INTERNAL', message: 'internal error' }, error, failed, logger, 'error');
}

function logged(
  ack: AckError,
  error: unknown,
  failed: FailedCommand,
  logger: Logger,
  level: 'info' | 'warn' | 'error',
): AckError {
  const correlationId = randomUUID();
  logger[level]({ err: error, correlationId, ...failed, code: ack.code }, 'command failed');
  const details = typeof ack.details === 'object' && ack.details !== null ? ack.details : {};
  return {
    ...ack,
    message: `${ack.message} (correlation id ${correlationId})`,
    details: { ...details, correlationId },
  };
}
