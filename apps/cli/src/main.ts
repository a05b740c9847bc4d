import { Command, CommanderError } from 'commander';
import { createCliContext } from './cli-context';
import { processIo, type CliIo } from './cli-io';
import { registerCommands } from './commands';

export { CliError, CliExit, type CliIo } from './cli-io';

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
  registerCommands(program, createCliContext(io));
  return program;
}

if (require.main === module) {
  buildCli()
    .parseAsync(process.argv)
    .catch((error: Error) => {
      process.stderr.write(`ledger: ${error.message}\n`);
      process.exit(2);
    });
}
