import { Command, CommanderError } from 'commander';
import { loadConfig } from '@ledger/config';
import { migrate } from '@ledger/database';
import { createLogger } from '../../ledger/src/infra/logger';
import { createRuntime, type LedgerRuntime } from '../../ledger/src/infra/runtime';
import { CliError, CliExit, processIo, style, type CliIo, type Style } from './io';
import { registerReadCommands } from './read.commands';
import { registerOpen } from './open.command';
import { registerToken } from './token.command';
import { registerBudget } from './budget.commands';
import { registerRetention } from './retention.command';

export { CliError, CliExit, type CliIo } from './io';

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

/** The `ledger` command: operations on the same runtime the server uses (config from the environment). */
export function buildCli(io: CliIo = processIo()): Command {
  const program = new Command('ledger').description('The run ledger: operate, inspect and replay AI runs');
  // Usage errors (unknown command or option, missing argument) exit 2; --help and --version exit 0.
  program
    .exitOverride((e: CommanderError) => {
      io.exit(e.exitCode === 0 ? 0 : 2);
    })
    .configureOutput({
      writeOut: (s) => void io.stdout.write(s),
      writeErr: (s) => void io.stderr.write(s),
    })
    .showHelpAfterError('(add --help for usage)');

  const ctx: CliContext = {
    io,
    withRuntime,
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

  program
    .command('migrate')
    .description('apply pending database migrations (the server also does this on start)')
    .action(
      ctx.action(async () => {
        await withRuntime(async (rt) => {
          const applied = await migrate(rt.databaseUrl);
          ctx.out(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
        });
      }),
    );

  registerToken(program, ctx);
  registerReadCommands(program, ctx);
  registerOpen(program, ctx);
  registerBudget(program, ctx);
  registerRetention(program, ctx);
  return program;
}

export type WithRuntime = <T>(work: (runtime: LedgerRuntime) => Promise<T>) => Promise<T>;

export const withRuntime: WithRuntime = async (work) => {
  const config = loadConfig({ LEDGER_LOG_LEVEL: 'warn', ...process.env });
  const runtime = await createRuntime(config, createLogger(config.LEDGER_LOG_LEVEL));
  try {
    return await work(runtime);
  } finally {
    await runtime.close();
  }
};

export function fail(message: string): never {
  process.stderr.write(`ledger: ${message}\n`);
  process.exit(2);
}

if (require.main === module) {
  buildCli()
    .parseAsync(process.argv)
    .catch((error: Error) => fail(error.message));
}
