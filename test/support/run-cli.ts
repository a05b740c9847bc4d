import { Writable } from 'node:stream';
import { buildCli, CliExit, type CliIo } from '../../apps/cli/src/main';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliRunOptions {
  /** The CLI's whole environment for this call (restored afterwards); default: this process's. */
  env?: Record<string, string>;
  /** Whether stdout claims to be a terminal (commands that open a browser only do so on one). */
  tty?: boolean;
}

/** Runs the CLI in this process (as `ledger <args>`), stdout and stderr captured; resolves with the exit code. */
export function runCli(...args: string[]): Promise<CliRun> {
  return runCliWith({}, ...args);
}

export async function runCliWith(options: CliRunOptions, ...args: string[]): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const sink = (append: (s: string) => void) =>
    new Writable({
      write(chunk: Buffer | string, _enc, done) {
        append(chunk.toString());
        done();
      },
    });
  const io: CliIo = {
    stdout: Object.assign(
      sink((s) => (stdout += s)),
      { isTTY: options.tty ?? false },
    ),
    stderr: sink((s) => (stderr += s)),
    exit: (code: number) => {
      throw new CliExit(code);
    },
    color: false,
  };
  const saved = process.env;
  if (options.env) process.env = { ...options.env };
  try {
    await buildCli(io).parseAsync(['node', 'ledger', ...args]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    if (error instanceof CliExit) return { code: error.code, stdout, stderr };
    throw error;
  } finally {
    process.env = saved;
  }
}
