import type { Command } from 'commander';
import { loadConfig } from '@ledger/config';
import { MAX_TEAMS, signToken, type TeamRole } from '@ledger/runtime';
import { CliError } from './cli-io';
import { UUID_RE } from './options';
import { tokenLifetimeSeconds } from './token-lifetime';
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
    .option(
      '--team <uuid[:admin]>',
      'a team of the user (repeatable); `:admin` makes the user its admin',
      (value: string, teams: string[]) => [...teams, value],
      [] as string[],
    )
    .action(
      ctx.action((opts: { user: string; admin?: boolean; expires: string; team: string[] }) => {
        if (!UUID_RE.test(opts.user)) throw new CliError('--user must be a UUID');
        const teamRoles = teamClaims(opts.team);
        const config = loadConfig();
        const seconds = tokenLifetimeSeconds(opts.expires, config.LEDGER_TOKEN_MAX_TTL);
        if (config.jwtSecretIsDefault)
          ctx.err('warning: LEDGER_JWT_SECRET is not set; signing with the development secret');
        ctx.out(
          signToken(opts.user, config.jwtSecret, {
            admin: opts.admin,
            ...(opts.team.length > 0 && { teams: Object.keys(teamRoles), teamRoles }),
            expiresIn: seconds,
            audience: config.LEDGER_JWT_AUDIENCE,
            issuer: config.LEDGER_JWT_ISSUER,
          }),
        );
      }),
    );
}

/** `--team <uuid>` / `--team <uuid>:admin` as the `teamRoles` claim (docs/protocol.md, Teams). */
function teamClaims(values: readonly string[]): Record<string, TeamRole> {
  const roles: Record<string, TeamRole> = {};
  for (const value of values) {
    const [id, role = 'member', ...rest] = value.split(':');
    if (!UUID_RE.test(id) || (role !== 'admin' && role !== 'member') || rest.length > 0)
      throw new CliError(`--team ${value}: expected <uuid> or <uuid>:admin`);
    roles[id.toLowerCase()] = role;
  }
  if (Object.keys(roles).length > MAX_TEAMS) throw new CliError(`at most ${MAX_TEAMS} --team`);
  return roles;
}
