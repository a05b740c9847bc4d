import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { LedgerError, ShuttingDown, ledgerErrors, type AckError } from '@ledger/contract';
import {
  DuplicateEventId,
  StoreUnavailable,
  UnstorableEvent,
  WrongExpectedRevision,
  isConnectionError,
} from '@ledger/event-store';
import { InvalidCursor } from '@ledger/projections';

export interface FailedCommand {
  readonly command: string;
  readonly userId: string;
}

export type ErrorAck = { readonly ok: false; readonly error: AckError };

/**
 * The error taxonomy: every error a command can meet, as the protocol error its ack carries (docs/protocol.md §5).
 * The ledger's own errors already carry their code; the store's and the read models' typed errors get theirs here,
 * and nowhere else. Anything unknown is INTERNAL: a bug of ours.
 */
export function toLedgerError(error: unknown): LedgerError {
  if (error instanceof LedgerError) return error;
  if (error instanceof DuplicateEventId) return ledgerErrors.commandIdReused();
  if (error instanceof WrongExpectedRevision) return ledgerErrors.runWrittenElsewhere();
  if (error instanceof UnstorableEvent) return ledgerErrors.unstorableText();
  if (error instanceof InvalidCursor) return ledgerErrors.invalidCursor();
  // A read whose connection was killed or timed out: the database is away, not a bug of ours.
  if (error instanceof StoreUnavailable || isConnectionError(error)) return ledgerErrors.unavailable();
  // PostgreSQL's data exceptions (class 22: a date out of its range, …) are about a value the client sent.
  if (isPgDataException(error)) return ledgerErrors.unstorableValue();
  return ledgerErrors.internal();
}

/**
 * The one place where a failure becomes an ack. What the client did (its own mistake) is said in the ledger's words;
 * anything else in generic words only: the text of a database or library error is for the log, never for the client
 * (it can name tables, roles, constraints, values of other users). Such an ack carries `details.correlationId`, and
 * the log line that holds the real error carries the same id.
 */
export function errorAck(error: unknown, failed: FailedCommand, logger: Logger): ErrorAck {
  const mapped = toLedgerError(error);
  const ack: AckError = {
    code: mapped.code,
    message: mapped.message,
    ...(mapped.details !== undefined && { details: mapped.details }),
  };
  const level = logLevel(error, mapped);
  return { ok: false, error: level === null ? ack : logged(ack, error, failed, logger, level) };
}

/** Which failures are logged (with a correlation id in their ack), and how loudly. */
function logLevel(error: unknown, mapped: LedgerError): 'info' | 'warn' | 'error' | null {
  if (mapped instanceof ShuttingDown) return null; // nothing failed
  if (mapped.code === 'INTERNAL') return 'error';
  if (mapped.code === 'UNAVAILABLE') return 'warn';
  if (mapped.code === 'VALIDATION' && isPgDataException(error)) return 'info';
  return null;
}

function isPgDataException(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return !(error instanceof LedgerError) && typeof code === 'string' && code.startsWith('22');
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
