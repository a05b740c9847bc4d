import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '@ledger/config';
import { signToken } from '@ledger/runtime';
import { usage } from './cli-io';
import { uuidOption } from './options';
import { tokenLifetimeSeconds } from './token-lifetime';
import type { CliContext } from './cli-context';

/** The program that opens a URL in the desktop's browser, per platform. */
const OPENERS: Partial<Record<NodeJS.Platform, string>> = {
  linux: 'xdg-open',
  darwin: 'open',
  freebsd: 'xdg-open',
};

/**
 * `ledger open --user <uuid>`: prints the dashboard's sign-in URL, `<url>/#token=<jwt>` (the token stays in the
 * fragment, which browsers never send to a server), and opens it when run in a terminal with a browser opener.
 */
export function registerOpen(program: Command, ctx: CliContext): void {
  program
    .command('open')
    .description("print the dashboard's sign-in URL for a user (and open it when run in a terminal)")
    .requiredOption('--user <uuid>', 'the user id (the token subject)')
    .option('--admin', 'grant the admin role')
    .option('--url <url>', "the ledger's address (default: http://127.0.0.1:$PORT)")
    .option('--expires <span>', 'token lifetime, e.g. 12h, 7d (at most LEDGER_TOKEN_MAX_TTL)', '12h')
    .option('--no-browser', 'only print the URL')
    .addHelpText('after', '\nExample:\n  $ npx ledger open --user 7f1c…-… --admin')
    .action(
      ctx.action(
        (opts: { user: string; admin?: boolean; url?: string; expires: string; browser: boolean }) => {
          const user = uuidOption(opts.user, '--user');
          const config = loadConfig();
          const expiresIn = tokenLifetimeSeconds(opts.expires, config.LEDGER_TOKEN_MAX_TTL);
          const base = dashboardUrl(opts.url ?? `http://127.0.0.1:${config.PORT}`);
          if (config.jwtSecretIsDefault)
            ctx.err('warning: LEDGER_JWT_SECRET is not set; signing with the development secret');
          const url = `${base}/#token=${signToken(user, config.jwtSecret, {
            admin: opts.admin,
            expiresIn,
            audience: config.LEDGER_JWT_AUDIENCE,
            issuer: config.LEDGER_JWT_ISSUER,
          })}`;
          ctx.out(url);
          const opener = opts.browser && ctx.io.stdout.isTTY ? findOnPath(OPENERS[process.platform]) : null;
          if (opener) openDetached(opener, url);
        },
      ),
    );
}

/** The URL's origin and path without a trailing slash; only http(s). */
export function dashboardUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return usage(`--url must be an http(s) URL, got "${value}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') usage('--url must be an http(s) URL');
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/** The program's full path on PATH, or null. */
function findOnPath(program: string | undefined): string | null {
  if (!program) return null;
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, program);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return null;
}

/** Starts the opener on its own: the CLI exits at once, and a browser that fails to start is not our error. */
function openDetached(opener: string, url: string): void {
  const child = spawn(opener, [url], { detached: true, stdio: 'ignore' });
  child.on('error', () => undefined);
  child.unref();
}
