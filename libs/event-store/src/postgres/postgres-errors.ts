import { DuplicateEventId, StoreUnavailable, WrongExpectedRevision } from '../event-store.port';

/** Errors that mean "the database is away", as opposed to a bad statement. */
export function isConnectionError(error: unknown): boolean {
  const e = error as { code?: string; message?: string } | undefined;
  if (!e) return false;
  const code = e.code ?? '';
  return (
    code.startsWith('08') ||
    code === '57P01' ||
    code === '57P02' ||
    code === '57P03' ||
    code === 'ECONNREFUSED' ||
    code === 'ECONNRESET' ||
    code === 'ETIMEDOUT' ||
    code === 'EPIPE' ||
    /Connection terminated|connection timeout|Client has encountered a connection error|timeout exceeded when trying to connect/i.test(
      e.message ?? '',
    )
  );
}

/** The database being away becomes the port's `StoreUnavailable`; any other error stays what it is. */
export function toStoreError(error: unknown): Error {
  if (isConnectionError(error)) return new StoreUnavailable('event store unavailable', error);
  return error instanceof Error ? error : new Error(String(error));
}

/** A failed append as the port's typed outcome: a reused event id, a revision taken meanwhile, or the above. */
export function toAppendError(error: unknown, streamId: string): Error {
  const e = error as { code?: string; constraint?: string };
  if (e.code === '23505' && e.constraint === 'events_event_id_key') return new DuplicateEventId(streamId);
  if (e.code === '23505') return new WrongExpectedRevision(streamId, 'any', null);
  return toStoreError(error);
}
