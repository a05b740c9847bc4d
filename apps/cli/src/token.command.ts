import type { Command } from 'commander';
import { loadConfig, parseDurationSeconds } from '@ledger/config';
import { signToken } from '@ledger/runtime';
import { CliError } from './cli-io';
import { UUID_RE } from './options';
import type { CliContext } from './cli-context';

/**
 * `ledger token`: a JWT for local use. It refuses what the server would refuse: a lifetime over
 * LEDGER_TOKEN_MAX_TTL, and (through loadConfig) the development secret with NODE_ENV=production.
 */
export function registerToken(program: Command, ctx: CliContext): void {
  program
    .command('token')
    .description('print a JWT for local use (signed with LEDGER_JWT_SECRET)')
    .requiredOption('--user <uuid>', 'the user id (the token subject)')
    .option('--admin', 'grant the admin role')
    .option('--expires <span>', 'lifetime: seconds or 90s, 15m, 12h, 7d (at most LEDGER_TOKEN_MAX_TTL)', '1d')
    .action(
      ctx.action((opts: { user: string; admin?: boolean; expires: string }) => {
        if (!UUID_RE.test(opts.user)) throw new CliError('--user must be a UUID');
        const config = loadConfig();
        const seconds = parseDurationSeconds(opts.expires);
        if (seconds === null || seconds < 1)
          throw new CliError('--expires must be a duration such as 3600, 15m, 12h or 7d');
        if (seconds > config.LEDGER_TOKEN_MAX_TTL)
          throw new CliError(
            `--expires ${opts.expires} is longer than LEDGER_TOKEN_MAX_TTL (${config.LEDGER_TOKEN_MAX_TTL} s); the ledger would refuse the token`,
          );
        if (config.jwtSecretIsDefault)
          ctx.err('warning: LEDGER_JWT_SECRET is not set; signing with the development secret');
        ctx.out(
          signToken(opts.user, config.jwtSecret, {
            admin: opts.admin,
            expiresIn: seconds,
            audience: config.LEDGER_JWT_AUDIENCE,
            issuer: config.LEDGER_JWT_ISSUER,
          }),
        );
      }),
    );
}
