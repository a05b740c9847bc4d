import pino, { type DestinationStream, type Logger } from 'pino';

/**
 * The structured logger of the server and the CLI (JSON lines). With no destination it writes to stdout, as the
 * server documents; the CLI passes its stderr, because its stdout carries only the data a command prints.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino({ level, base: { service: 'run-ledger' } }, destination);
}
