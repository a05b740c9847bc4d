import { Writable } from 'node:stream';
import pino from 'pino';
import { ERROR_CODES, LedgerError, ledgerErrors, type ErrorCode } from '@ledger/contract';
import {
  DuplicateEventId,
  StoreUnavailable,
  UnstorableEvent,
  WrongExpectedRevision,
} from '@ledger/event-store';
import { InvalidCursor } from '@ledger/projections';
import { errorAck } from './error-ack';

/** A real pino logger writing its JSON lines here, so a test reads what an operator would. */
function capturedLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

const failed = { command: 'run.get', userId: '7f1c6a52-4f5e-4b8e-9b7a-1c2d3e4f5a6b' };
const pgError = (code: string, message = 'relation "secret_table" …') =>
  Object.assign(new Error(message), { code });

/**
 * docs/protocol.md §5, as a table: every error the ledger meets, the ack it becomes, and whether it carries a
 * correlation id (and a log line with the real error). One row per error class or condition.
 */
const TABLE: Array<
  [what: string, error: unknown, code: ErrorCode, message: string | RegExp, correlated: boolean]
> = [
  [
    'a payload the schema refuses',
    new LedgerError('VALIDATION', 'runId: Invalid UUID'),
    'VALIDATION',
    'runId: Invalid UUID',
    false,
  ],
  ['an invalid cursor', new InvalidCursor(), 'VALIDATION', 'cursor: invalid cursor', false],
  ['text the store cannot keep', new UnstorableEvent('run-x', 'NUL'), 'VALIDATION', /cannot keep/, false],
  [
    'a value out of PostgreSQL range (class 22)',
    pgError('22008'),
    'VALIDATION',
    /outside what the ledger can store/,
    true,
  ],
  [
    'an expired token',
    new LedgerError('UNAUTHORIZED', 'token expired'),
    'UNAUTHORIZED',
    'token expired',
    false,
  ],
  [
    'an admin command',
    ledgerErrors.needsAdmin('projections.rebuild'),
    'FORBIDDEN',
    'projections.rebuild needs the admin role',
    false,
  ],
  [
    'another team',
    ledgerErrors.notYourTeam(),
    'FORBIDDEN',
    'teamId is not one of the teams of your token',
    false,
  ],
  ['a run not found', ledgerErrors.runNotFound(), 'NOT_FOUND', 'run not found', false],
  [
    'a commandId reused',
    ledgerErrors.commandIdReused(),
    'CONFLICT',
    'commandId was already used for a different command',
    false,
  ],
  [
    'a commandId reused on another run (store)',
    new DuplicateEventId('run-x'),
    'CONFLICT',
    'commandId was already used for a different command',
    false,
  ],
  [
    'a concurrent writer (store)',
    new WrongExpectedRevision('run-x', 3, 4),
    'CONFLICT',
    /written elsewhere/,
    false,
  ],
  [
    'a payload too large',
    new LedgerError('PAYLOAD_TOO_LARGE', 'payload is 9 bytes; the limit is 8', { size: 9, limit: 8 }),
    'PAYLOAD_TOO_LARGE',
    /limit is 8/,
    false,
  ],
  [
    'a spent rate budget',
    new LedgerError('RATE_LIMITED', 'slow down', { cost: 1, retryAfterMs: 5 }),
    'RATE_LIMITED',
    'slow down',
    false,
  ],
  ['a spent spending budget', new LedgerError('BUDGET_EXCEEDED', 'spent'), 'BUDGET_EXCEEDED', 'spent', false],
  [
    'the store away',
    new StoreUnavailable('event store unavailable'),
    'UNAVAILABLE',
    ledgerErrors.unavailable().message,
    true,
  ],
  [
    'the database away',
    pgError('57P01', 'terminating connection'),
    'UNAVAILABLE',
    ledgerErrors.unavailable().message,
    true,
  ],
  ['a connection refused', pgError('ECONNREFUSED'), 'UNAVAILABLE', ledgerErrors.unavailable().message, true],
  ['a write without answer', ledgerErrors.writeTimedOut(15_000), 'UNAVAILABLE', /within 15000 ms/, true],
  ['a shutdown', ledgerErrors.shuttingDown(), 'UNAVAILABLE', 'the ledger is shutting down', false],
  [
    'a bug',
    new TypeError("Cannot read properties of undefined (reading 'x')"),
    'INTERNAL',
    'internal error',
    true,
  ],
  ['a database bug', pgError('42P01'), 'INTERNAL', 'internal error', true],
  ['a thrown non-error', 'boom', 'INTERNAL', 'internal error', true],
];

describe('errorAck: every error becomes the ack of docs/protocol.md §5', () => {
  it.each(TABLE)('%s → %s', (_what, error, code, message, correlated) => {
    const { logger, lines } = capturedLogger();
    const ack = errorAck(error, failed, logger);
    expect(ack.ok).toBe(false);
    expect(ack.error.code).toBe(code);
    const details = (ack.error.details ?? {}) as { correlationId?: string };
    if (!correlated) {
      expect(ack.error.message).toEqual(
        typeof message === 'string' ? message : expect.stringMatching(message),
      );
      expect(details.correlationId).toBeUndefined();
      expect(lines).toHaveLength(0);
      return;
    }
    // The generic words, then the id the log line carries with the real error.
    expect(details.correlationId).toMatch(/^[0-9a-f-]{36}$/);
    const [words, id] = /^(.*) \(correlation id (.+)\)$/.exec(ack.error.message)!.slice(1);
    expect(words).toEqual(typeof message === 'string' ? message : expect.stringMatching(message));
    expect(id).toBe(details.correlationId);
    expect(lines).toEqual([
      expect.objectContaining({
        msg: 'command failed',
        correlationId: id,
        code,
        ...failed,
        err: expect.anything(),
      }),
    ]);
  });

  it('covers every code of the protocol', () => {
    expect(new Set(TABLE.map(([, , code]) => code))).toEqual(new Set(ERROR_CODES));
  });

  it('never tells the client the words of an internal error', () => {
    const { logger } = capturedLogger();
    for (const error of [pgError('42P01'), pgError('57P01'), pgError('22008')])
      expect(errorAck(error, failed, logger).error.message).not.toContain('secret_table');
  });

  it('keeps the details of the ledger own errors, and adds the correlation id to them', () => {
    const { logger } = capturedLogger();
    expect(errorAck(ledgerErrors.commandIdReused('c1'), failed, logger).error.details).toEqual({
      commandId: 'c1',
    });
    const limited = errorAck(
      new LedgerError('RATE_LIMITED', 'slow down', { cost: 20, retryAfterMs: 5 }),
      failed,
      logger,
    );
    expect(limited.error.details).toEqual({ cost: 20, retryAfterMs: 5 });
  });
});
