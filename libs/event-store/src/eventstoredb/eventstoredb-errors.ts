import {
  DeadlineExceededError,
  MaxAppendSizeExceededError,
  NotLeaderError,
  StreamDeletedError,
  StreamNotFoundError,
  TimeoutError,
  UnavailableError,
  UnknownError,
  WrongExpectedVersionError,
} from '@eventstore/db-client';
import { StoreUnavailable, WrongExpectedRevision, type ExpectedRevision } from '../event-store.port';
import { fromEsdbCurrentRevision } from './eventstoredb-mapping';

/**
 * Client errors as the port's typed errors. Pure, so every rule is unit-tested without a server
 * (eventstoredb-errors.spec.ts).
 */

/**
 * An append larger than the server's `MaxAppendSize`, or one command whose events alone are larger than the
 * adapter's limit (a command is never cut: see planAppends).
 */
export class AppendTooLarge extends Error {
  constructor(
    readonly streamId: string,
    /** The limit in bytes that was exceeded. */
    readonly maxAppendBytes: number,
    /** The size of the command's events, when the adapter measured them. */
    readonly bytes?: number,
  ) {
    super(
      `stream ${streamId}: ${bytes === undefined ? 'an append' : `a command of ${bytes} bytes of events`} exceeds ` +
        `the event store's append limit of ${maxAppendBytes} bytes (EventStoreDB MaxAppendSize)`,
    );
    this.name = 'AppendTooLarge';
  }
}

/**
 * A stream deleted from outside the ledger: hard-deleted (tombstoned: it can never be written again) or
 * soft-deleted (`deleteStream`: a write would restart it at the old revision + 1, not at 0).
 */
export class StreamDeleted extends Error {
  constructor(
    readonly streamId: string,
    readonly how: 'hard' | 'soft',
  ) {
    super(`stream ${streamId} was ${how}-deleted outside the ledger; it cannot be read or written as a run`);
    this.name = 'StreamDeleted';
  }
}

/**
 * The server answers a busy or starting node with an error the client does not recognise: batch append turns
 * it into `UnknownError("Could not recognize Server Is Busy")`, other calls may carry only the text. Both mean
 * "try again", so they are transient like UNAVAILABLE.
 */
const TRANSIENT_TEXT =
  /server is busy|server is not ready|server not ready|not ready|failed to connect|connection refused|no connection established|UNAVAILABLE/i;

/** Errors that mean "the server is away or overloaded now", as opposed to a refused operation. */
export function isUnavailableError(error: unknown): boolean {
  if (
    error instanceof UnavailableError ||
    error instanceof DeadlineExceededError ||
    error instanceof NotLeaderError ||
    error instanceof TimeoutError
  )
    return true;
  const e = error as { code?: unknown; message?: unknown } | null | undefined;
  if (!e || typeof e !== 'object') return false;
  // gRPC status 14 UNAVAILABLE / 4 DEADLINE_EXCEEDED when the client did not convert the error itself.
  if (
    e.code === 14 ||
    e.code === 4 ||
    e.code === 'ECONNREFUSED' ||
    e.code === 'ECONNRESET' ||
    e.code === 'ETIMEDOUT'
  )
    return true;
  if (error instanceof UnknownError || !(error instanceof Error) || e.constructor === Error)
    return typeof e.message === 'string' && TRANSIENT_TEXT.test(e.message);
  return false;
}

export function isStreamNotFound(error: unknown): boolean {
  return error instanceof StreamNotFoundError;
}

/**
 * A client error as the port's error: WrongExpectedRevision, StoreUnavailable (transient), AppendTooLarge,
 * StreamDeleted, or the error itself.
 */
export function toPortError(error: unknown, streamId: string, expected: ExpectedRevision): Error {
  if (
    error instanceof WrongExpectedRevision ||
    error instanceof StoreUnavailable ||
    error instanceof AppendTooLarge ||
    error instanceof StreamDeleted
  )
    return error;
  if (error instanceof WrongExpectedVersionError)
    return new WrongExpectedRevision(streamId, expected, fromEsdbCurrentRevision(error.actualVersion));
  if (error instanceof MaxAppendSizeExceededError) return new AppendTooLarge(streamId, error.maxAppendSize);
  if (error instanceof StreamDeletedError) return new StreamDeleted(streamId, 'hard');
  if (isUnavailableError(error)) return new StoreUnavailable('event store unavailable (EventStoreDB)', error);
  return error instanceof Error ? error : new Error(String(error));
}
