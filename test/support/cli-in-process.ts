import { Writable } from 'node:stream';
import { buildCli, CliExit, type CliIo } from '../../apps/cli/src/main';

/** Runs the CLI in this process (as `ledger <args>`), stdout and stderr captured; resolves with the exit code. */
export async function runCli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
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
    stdout: sink((s) => (stdout += s)),
    stderr: sink((s) => (stderr += s)),
    exit: (code: number) => {
      throw new CliExit(code);
    },
    color: false,
  };
  try {
    await buildCli(io).parseAsync(['node', 'ledger', ...args]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    if (error instanceof CliExit) return { code: error.code, stdout, stderr };
    throw error;
  }
}
