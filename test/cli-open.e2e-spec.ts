import { randomUUID } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import jwt from 'jsonwebtoken';
import { runCliWith } from './support/run-cli';
import {
  TEST_JWT_SECRET,
  connectClient,
  ok,
  startTestLedger,
  type TestLedger,
} from './support/ledger-server';
import { until } from './support/until';

/** Runs `ledger <args>` in this process, stdout and stderr captured; `tty` makes stdout claim a terminal. */
const cli = (args: string[], tty = false) => runCliWith({ tty }, ...args);

/** Polls (bounded) until `check` is true: the opener is a separate process. */
const eventually = (check: () => boolean, what: string) => until(check, what, 10_000);

describe('ledger open', () => {
  const savedEnv = { ...process.env };
  let t: TestLedger;
  beforeAll(async () => {
    t = await startTestLedger();
    process.env.LEDGER_JWT_SECRET = TEST_JWT_SECRET;
    process.env.PORT = new URL(t.url).port;
  });
  afterAll(async () => {
    process.env = savedEnv;
    await t?.close();
  });

  it('prints the sign-in URL of the ledger on PORT, whose token signs in over the socket', async () => {
    const user = randomUUID();
    const { code, stdout, stderr } = await cli(['open', '--user', user]);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    const match = /^(http:\/\/127\.0\.0\.1:\d+)\/#token=([\w.-]+)\n$/.exec(stdout);
    expect(match?.[1]).toBe(t.url);
    const claims = jwt.verify(match![2], TEST_JWT_SECRET) as jwt.JwtPayload;
    expect(claims).toMatchObject({ sub: user, roles: [] });
    expect(claims.exp! - claims.iat!).toBe(12 * 3600);
    const socket = await connectClient(t.url, match![2]);
    const { runId } = await ok<{ runId: string }>(socket, 'run.start', { sourceType: 'chat', settings: {} });
    expect(await ok(socket, 'run.get', { runId })).toMatchObject({ run: { userId: user } });
    socket.close();
  });

  it('grants admin with --admin, and takes --url and --expires', async () => {
    const user = randomUUID();
    const { code, stdout } = await cli([
      'open',
      '--user',
      user,
      '--admin',
      '--url',
      'https://ledger.example.com/team/',
      '--expires',
      '30m',
    ]);
    expect(code).toBe(0);
    const match = /^https:\/\/ledger\.example\.com\/team\/#token=([\w.-]+)\n$/.exec(stdout);
    const claims = jwt.verify(match![1], TEST_JWT_SECRET) as jwt.JwtPayload;
    expect(claims).toMatchObject({ sub: user, roles: ['admin'] });
    expect(claims.exp! - claims.iat!).toBe(1800);
  });

  it('refuses a bad user, URL or lifetime with exit code 2', async () => {
    for (const args of [
      ['open', '--user', 'nobody'],
      ['open', '--user', randomUUID(), '--url', 'ftp://example.com'],
      ['open', '--user', randomUUID(), '--url', 'not a url'],
      ['open', '--user', randomUUID(), '--expires', 'forever'],
      ['open'],
    ]) {
      const result = await cli(args);
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
    }
  });

  it('refuses, as `ledger token` does, a lifetime the ledger would refuse (over LEDGER_TOKEN_MAX_TTL)', async () => {
    const cases: { maxTtl?: string; expires: string }[] = [
      { expires: '99d' },
      { maxTtl: '1h', expires: '2h' },
    ];
    for (const { maxTtl, expires } of cases) {
      const env = { ...process.env, ...(maxTtl && { LEDGER_TOKEN_MAX_TTL: maxTtl }) } as Record<
        string,
        string
      >;
      const user = randomUUID();
      const opened = await runCliWith({ env }, 'open', '--user', user, '--expires', expires, '--no-browser');
      const token = await runCliWith({ env }, 'token', '--user', user, '--expires', expires);
      expect(opened).toEqual({ code: 2, stdout: '', stderr: token.stderr });
      expect(opened.stderr).toMatch(/longer than LEDGER_TOKEN_MAX_TTL .* the ledger would refuse the token/);
    }
    // At the cap (30 days by default, on the CLI and this ledger alike), the link's token signs in.
    const user = randomUUID();
    const { code, stdout } = await cli(['open', '--user', user, '--expires', '30d', '--no-browser']);
    expect(code).toBe(0);
    const socket = await connectClient(t.url, /#token=([\w.-]+)\n$/.exec(stdout)![1]);
    const { runId } = await ok<{ runId: string }>(socket, 'run.start', { sourceType: 'chat', settings: {} });
    expect(await ok(socket, 'run.get', { runId })).toMatchObject({ run: { userId: user } });
    socket.close();
  });

  it("signs with the ledger's LEDGER_JWT_AUDIENCE and LEDGER_JWT_ISSUER, as `ledger token` does", async () => {
    const env = { ...process.env, LEDGER_JWT_AUDIENCE: 'run-ledger', LEDGER_JWT_ISSUER: 'ops' } as Record<
      string,
      string
    >;
    const { code, stdout } = await runCliWith({ env }, 'open', '--user', randomUUID(), '--no-browser');
    expect(code).toBe(0);
    const token = /#token=([\w.-]+)\n$/.exec(stdout)![1];
    expect(jwt.verify(token, TEST_JWT_SECRET, { audience: 'run-ledger', issuer: 'ops' })).toMatchObject({
      aud: 'run-ledger',
      iss: 'ops',
    });
  });

  const linux = process.platform === 'linux' ? it : it.skip;
  linux('opens the URL with xdg-open when stdout is a terminal, and not with --no-browser', async () => {
    const bin = mkdtempSync(path.join(os.tmpdir(), 'ledger-open-'));
    const opened = path.join(bin, 'opened.txt');
    writeFileSync(path.join(bin, 'xdg-open'), `#!/bin/sh\nprintf '%s\\n' "$1" >> "${opened}"\n`);
    chmodSync(path.join(bin, 'xdg-open'), 0o755);
    process.env.PATH = `${bin}${path.delimiter}${savedEnv.PATH}`;
    try {
      const quiet = await cli(['open', '--user', randomUUID(), '--no-browser'], true);
      expect(quiet.code).toBe(0);
      const { code, stdout } = await cli(['open', '--user', randomUUID()], true);
      expect(code).toBe(0);
      await eventually(
        () => existsSync(opened) && readFileSync(opened, 'utf8').includes(stdout),
        'xdg-open ran',
      );
      // One line: the --no-browser run opened nothing.
      expect(readFileSync(opened, 'utf8')).toBe(stdout);
    } finally {
      process.env.PATH = savedEnv.PATH;
    }
  });
});
