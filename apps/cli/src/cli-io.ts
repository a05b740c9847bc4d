import type { Writable } from 'node:stream';

/** Where the CLI writes and how it ends: the real process by default, captured streams in tests. */
export interface CliIo {
  readonly stdout: Writable & { isTTY?: boolean };
  readonly stderr: Writable & { isTTY?: boolean };
  /** Ends the command with a non-zero exit code (the real process exits; a test io throws a CliExit). */
  exit(code: number): never;
  /** ANSI colours on stdout (default: when stdout is a terminal and NO_COLOR is not set). */
  readonly color?: boolean;
}

/** Thrown by a test io's `exit`: the command ended with this code. */
export class CliExit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
    this.name = 'CliExit';
  }
}

/** An error the CLI reports as `ledger: <message>` with its exit code (2: usage, 1: the operation failed). */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2 = 2,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export const usage = (message: string): never => {
  throw new CliError(message, 2);
};
export const failure = (message: string): never => {
  throw new CliError(message, 1);
};

export function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    exit: (code) => process.exit(code),
    color: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR,
  };
}
