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

export interface Style {
  dim(s: string): string;
  bold(s: string): string;
  red(s: string): string;
  green(s: string): string;
  cyan(s: string): string;
}

export function style(enabled: boolean): Style {
  const wrap = (open: number, close: number) => (s: string) =>
    enabled ? `\u001b[${open}m${s}\u001b[${close}m` : s;
  return { dim: wrap(2, 22), bold: wrap(1, 22), red: wrap(31, 39), green: wrap(32, 39), cyan: wrap(36, 39) };
}

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function uuidOption(value: string | undefined, name: string): string {
  if (value === undefined || !UUID_RE.test(value)) usage(`${name} must be a UUID`);
  return (value as string).toLowerCase();
}

/** A plain text table: left-aligned text, right-aligned columns listed in `right`. */
export function table(
  header: readonly string[],
  rows: ReadonlyArray<readonly string[]>,
  right: ReadonlySet<number> = new Set(),
): string {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  return all
    .map((r) =>
      r
        .map((cell, i) => (right.has(i) ? (cell ?? '').padStart(widths[i]) : (cell ?? '').padEnd(widths[i])))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** `30d`, `12h`, `2w` → an ISO time that long before `now`; a date or ISO time is taken as is. */
export function parseSince(value: string, now = Date.now()): string {
  const span = /^(\d+)\s*([hdw])$/i.exec(value.trim());
  if (span) {
    const unit = { h: 3_600_000, d: 86_400_000, w: 604_800_000 }[span[2].toLowerCase() as 'h' | 'd' | 'w'];
    return new Date(now - Number(span[1]) * unit).toISOString();
  }
  const t = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(t))
    usage(`invalid time "${value}": use a date (2025-01-31), an ISO time, or a span like 30d, 12h, 2w`);
  return new Date(t).toISOString();
}
