import { ledgerErrors } from '@ledger/contract';
import {
  DuplicateEventId,
  StoreUnavailable,
  UnstorableEvent,
  WrongExpectedRevision,
} from '@ledger/event-store';

/** A store failure of one command's append, as the protocol error its ack carries. */
export function toWriteError(error: unknown): unknown {
  if (error instanceof DuplicateEventId) return ledgerErrors.commandIdReused();
  if (error instanceof StoreUnavailable) return ledgerErrors.unavailable();
  if (error instanceof UnstorableEvent) return ledgerErrors.unstorableText();
  if (error instanceof WrongExpectedRevision) return ledgerErrors.runWrittenElsewhere();
  return error;
}
