import type { DestinationStream } from 'pino';
import { loadConfig } from '@ledger/config';
import { createLogger, createRuntime, type LedgerRuntime } from '@ledger/runtime';
import { CliError, CliExit, type CliIo } from './cli-io';
import { style, type Style } from './style';

export type WithRuntime = <T>(work: (runtime: LedgerRuntime) => Promise<T>) => Promise<T>;

/** What every command is given: where to write, how to open the runtime, and the output style. */
export interface CliContext {
  readonly io: CliIo;
  readonly withRuntime: WithRuntime;
  readonly style: Style;
  /** Writes a line (or text ending with a newline) to stdout. */
  out(text: string): void;
  /** Writes a line to stderr. */
  err(text: string): void;
  /** Wraps an action: a CliError prints `ledger: <message>` and exits with its code; another error exits 1. */
  action<A extends unknown[]>(fn: (...args: A) => Promise<void> | void): (...args: A) => Promise<void>;
}

/**
 * Opens the runtime the server uses (config from the environment, quiet logs), runs `work`, and closes it. The
 * runtime's logs (a superuser login's warning, say) go to `stderr`: stdout is the command's data (`export > f`).
 */
export function runtimeOpener(stderr: DestinationStream): WithRuntime {
  return async (work) => {
    const config = loadConfig({ LEDGER_LOG_LEVEL: 'warn', ...process.env });
    const runtime = await createRuntime(config, createLogger(config.LEDGER_LOG_LEVEL, stderr));
    try {
      return await work(runtime);
    } finally {
      await runtime.close();
    }
  };
}

export function createCliContext(io: CliIo): CliContext {
  return {
    io,
    withRuntime: runtimeOpener(io.stderr),
    style: style(io.color ?? false),
    out: (text) => void io.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
    err: (text) => void io.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
    action:
      (fn) =>
      async (...args) => {
        try {
          await fn(...args);
        } catch (error) {
          if (error instanceof CliExit) throw error;
          const code = error instanceof CliError ? error.exitCode : 1;
          io.stderr.write(`ledger: ${(error as Error).message}\n`);
          io.exit(code);
        }
      },
  };
}
