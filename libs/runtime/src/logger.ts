import pino, { type Logger } from 'pino';

/** The structured logger of the server and the CLI (JSON lines on stdout). */
export function createLogger(level: string): Logger {
  return pino({ level, base: { service: 'run-ledger' } });
}
