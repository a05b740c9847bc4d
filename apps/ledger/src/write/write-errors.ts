import { LedgerError } from '@ledger/contract';
import {
  DuplicateEventId,
  StoreUnavailable,
  UnstorableEvent,
  WrongExpectedRevision,
} from '@ledger/event-store';

/** A store failure of one command's append, as the protocol error its ack carries. */
export function toWriteError(error: unknown): unknown {
  if (error instanceof DuplicateEventId)
    return new LedgerError('CONFLICT', 'commandId was already used for a different command');
  if (error instanceof StoreUnavailable)
    return new LedgerError('UNAVAILABLE', 'the event store is unavailable; retry with the same commandId');
  if (error instanceof UnstorableEvent)
    return new LedgerError(
      'VALIDATION',
      'the command holds text the event store cannot keep (NUL or a lone surrogate)',
    );
  if (error instanceof WrongExpectedRevision)
    return new LedgerError('CONFLICT', 'the run is being written elsewhere; retry');
  return error;
}
