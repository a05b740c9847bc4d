import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { freePort } from '@ledger/database';
import { TEST_JWT_SECRET } from './ledger-server';

const ROOT = path.resolve(__dirname, '../..');
const BOOT_TIMEOUT_MS = 45_000;

export interface ChildLedger {
  readonly url: string;
  readonly port: number;
  readonly process: ChildProcess;
  /** Every stdout/stderr line so far (pino JSON on stdout). */
  readonly lines: string[];
  /** Resolves with the exit code (or the signal's name) once the process has exited. */
  readonly exited: Promise<number | string>;
  kill(signal: NodeJS.Signals): void;
}

/**
 * The real ledger as a CHILD PROCESS (`node -r ts-node/register/transpile-only apps/ledger/src/main.ts`), so a
 * test can SIGKILL or SIGTERM it. Resolves when it logs `ledger listening`; `port` defaults to a free one.
 */
export async function startChildLedger(
  /** null: no DATABASE_URL, so the ledger starts its embedded PostgreSQL (under LEDGER_DATA_DIR). */
  databaseUrl: string | null,
  env: Record<string, string> = {},
  port?: number,
): Promise<ChildLedger> {
  const listenPort = port ?? (await freePort());
  const child = spawn(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', 'apps/ledger/src/main.ts'],
    {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        TS_NODE_PROJECT: 'tsconfig.json',
        ...(databaseUrl !== null && { DATABASE_URL: databaseUrl }),
        PORT: String(listenPort),
        HOST: '127.0.0.1',
        LEDGER_METRICS_PORT: '0',
        LEDGER_JWT_SECRET: TEST_JWT_SECRET,
        LEDGER_LOG_LEVEL: 'info',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const lines: string[] = [];
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)),
  );
  const listening = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`ledger did not start within ${BOOT_TIMEOUT_MS} ms:\n${lines.join('\n')}`)),
      BOOT_TIMEOUT_MS,
    );
    const collect = (stream: NodeJS.ReadableStream) => {
      let rest = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        const parts = (rest + chunk).split('\n');
        rest = parts.pop() ?? '';
        for (const line of parts) {
          lines.push(line);
          if (line.includes('ledger listening')) {
            clearTimeout(timer);
            resolve();
          }
        }
      });
    };
    collect(child.stdout!);
    collect(child.stderr!);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`ledger exited (${code}) before listening:\n${lines.join('\n')}`));
    });
  });
  await listening;
  return {
    url: `http://127.0.0.1:${listenPort}`,
    port: listenPort,
    process: child,
    lines,
    exited,
    kill: (signal) => void child.kill(signal),
  };
}
