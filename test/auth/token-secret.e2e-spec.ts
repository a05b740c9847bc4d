import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import jwt from 'jsonwebtoken';
import { DEV_JWT_SECRET } from '@ledger/config';
import { runCliWith } from '../support/run-cli';

const ROOT = path.resolve(__dirname, '../..');
const STRONG_SECRET = 'a-strong-secret-of-more-than-32-bytes-for-tests';

/** The real server process with exactly `env` (no secret unless given); resolves with its exit code and output. */
function runLedgerProcess(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', 'apps/ledger/src/main.ts'],
      {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          TS_NODE_PROJECT: 'tsconfig.json',
          // Unreachable on purpose: a server that got past its config check fails on it rather than starting.
          DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none',
          ...env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.once('exit', (code) => resolve({ code, output }));
  });
}

/** The CLI in this process with `env` as its whole environment; resolves with the exit code and output. */
const cli = (env: Record<string, string>, ...args: string[]) => runCliWith({ env }, ...args);

describe('the JWT secret in production', () => {
  // The config check runs before anything else (no database is needed to see the refusal).
  it('the server refuses to start with NODE_ENV=production and no LEDGER_JWT_SECRET', async () => {
    const { code, output } = await runLedgerProcess({ NODE_ENV: 'production' });
    expect(code).not.toBe(0);
    expect(output).toMatch(/LEDGER_JWT_SECRET: required with NODE_ENV=production/);
  }, 60_000);

  it('the server refuses a secret shorter than 32 bytes', async () => {
    const { code, output } = await runLedgerProcess({ LEDGER_JWT_SECRET: 'short-secret-16b' });
    expect(code).not.toBe(0);
    expect(output).toMatch(/at least 32 bytes/);
  }, 60_000);
});

describe('ledger token', () => {
  const user = randomUUID();

  it('refuses to mint with the development secret when NODE_ENV=production', async () => {
    const r = await cli({ NODE_ENV: 'production' }, 'token', '--user', user, '--admin');
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/LEDGER_JWT_SECRET/);
  });

  it('refuses a lifetime over LEDGER_TOKEN_MAX_TTL (1000y, and 31d against the 30d default)', async () => {
    for (const expires of ['1000y', '31d']) {
      const r = await cli(
        { LEDGER_JWT_SECRET: STRONG_SECRET },
        'token',
        '--user',
        user,
        '--expires',
        expires,
      );
      expect(r.code).not.toBe(0);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/LEDGER_TOKEN_MAX_TTL/);
    }
    const lowered = await cli(
      { LEDGER_JWT_SECRET: STRONG_SECRET, LEDGER_TOKEN_MAX_TTL: '1h' },
      'token',
      '--user',
      user,
      '--expires',
      '2h',
    );
    expect(lowered.code).not.toBe(0);
  });

  it('mints a token with exp, the configured audience and issuer, within the cap', async () => {
    const r = await cli(
      {
        NODE_ENV: 'production',
        LEDGER_JWT_SECRET: STRONG_SECRET,
        LEDGER_JWT_AUDIENCE: 'ledger',
        LEDGER_JWT_ISSUER: 'ops',
      },
      'token',
      '--user',
      user,
      '--expires',
      '12h',
    );
    expect(r).toMatchObject({ code: 0, stderr: '' });
    const claims = jwt.verify(r.stdout.trim(), STRONG_SECRET, {
      audience: 'ledger',
      issuer: 'ops',
    }) as jwt.JwtPayload;
    expect(claims).toMatchObject({ sub: user, roles: [] });
    expect(claims.exp! - claims.iat!).toBe(12 * 3600);
  });

  it('outside production, signs with the development secret and says so', async () => {
    const r = await cli({}, 'token', '--user', user);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/development secret/);
    const claims = jwt.verify(r.stdout.trim(), DEV_JWT_SECRET) as jwt.JwtPayload;
    expect(claims.exp! - claims.iat!).toBe(86_400);
  });
});
