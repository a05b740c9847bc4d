/** The stable error codes of docs/protocol.md §5, in the order checks run where several apply. */
export const ERROR_CODES = [
  'VALIDATION',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
  'PAYLOAD_TOO_LARGE',
  'RATE_LIMITED',
  'BUDGET_EXCEEDED',
  'UNAVAILABLE',
  'INTERNAL',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface AckError {
  code: ErrorCode;
  message: string;
  details?: unknown;
}
export type Ack<T> = { ok: true; data: T } | { ok: false; error: AckError };

/**
 * An error with a stable protocol code. Thrown by the domain and the server; only the edge
 * (apps/ledger/src/gateway/error-ack.ts) turns it into an ack.
 */
export class LedgerError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'LedgerError';
  }
}

/**
 * The refusal of a command at shutdown. `UNAVAILABLE`, but nothing failed: unlike every other `UNAVAILABLE`, its ack
 * carries no correlation id and nothing is logged (docs/protocol.md §5).
 */
export class ShuttingDown extends LedgerError {
  constructor() {
    super('UNAVAILABLE', 'the ledger is shutting down');
    this.name = 'ShuttingDown';
  }
}

/**
 * The conditions met in more than one place, each with its one code and message (docs/protocol.md §5): throw these
 * rather than writing the words again. A condition met in one place only keeps its `new LedgerError(…)` there.
 */
export const ledgerErrors = {
  runNotFound: () => new LedgerError('NOT_FOUND', 'run not found'),
  commandIdReused: (commandId?: string) =>
    new LedgerError(
      'CONFLICT',
      'commandId was already used for a different command',
      commandId === undefined ? undefined : { commandId },
    ),
  runWrittenElsewhere: () => new LedgerError('CONFLICT', 'the run is being written elsewhere; retry'),
  unknownCommand: (name: string) => new LedgerError('VALIDATION', `unknown command ${name}`),
  notYourTeam: () => new LedgerError('FORBIDDEN', 'teamId is not one of the teams of your token'),
  needsAdmin: (what: string) => new LedgerError('FORBIDDEN', `${what} needs the admin role`),
  projectionNotFound: (name: string) => new LedgerError('NOT_FOUND', `no projection named ${name}`),
  invalidCursor: () => new LedgerError('VALIDATION', 'cursor: invalid cursor'),
  unstorableValue: () =>
    new LedgerError('VALIDATION', 'a value of the payload is outside what the ledger can store'),
  unstorableText: () =>
    new LedgerError(
      'VALIDATION',
      'the command holds text the event store cannot keep (NUL or a lone surrogate)',
    ),
  /** The event store or the database is away: one wording for both, since a client does the same (retry). */
  unavailable: () =>
    new LedgerError('UNAVAILABLE', 'the ledger cannot reach its storage; retry with the same commandId'),
  writeTimedOut: (ms: number) =>
    new LedgerError('UNAVAILABLE', `no answer from the store within ${ms} ms; retry with the same commandId`),
  shuttingDown: () => new ShuttingDown(),
  internal: () => new LedgerError('INTERNAL', 'internal error'),
} as const;
