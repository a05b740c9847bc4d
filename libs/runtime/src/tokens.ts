import jwt from 'jsonwebtoken';
import { z } from 'zod';

export interface Caller {
  readonly userId: string;
  readonly admin: boolean;
  /** The caller's teams (the token's `teams`, plus any team it names in `teamRoles`): their runs are readable. */
  readonly teams: readonly string[];
  /** The caller's role in each of its teams; a team admin may delete the team's runs and read its usage. */
  readonly teamRoles: Readonly<Record<string, TeamRole>>;
  /** When the token stops being valid (ms since the epoch, leeway included): the socket is cut then. */
  readonly expiresAt?: number;
}

/** What a token is checked against: the secret, the lifetime cap and, when configured, the audience/issuer. */
export interface TokenPolicy {
  readonly jwtSecret: string;
  readonly LEDGER_TOKEN_MAX_TTL: number;
  readonly LEDGER_JWT_AUDIENCE?: string;
  readonly LEDGER_JWT_ISSUER?: string;
}

/** Clock skew tolerated between the token's issuer and this server (docs/protocol.md §1: at most 5 s). */
export const CLOCK_LEEWAY_S = 5;

/** Longest token lifetime when the caller passes a bare secret (the default of LEDGER_TOKEN_MAX_TTL). */
const DEFAULT_MAX_TTL_S = 30 * 86_400;

export type TeamRole = 'admin' | 'member';

/** The most teams one token may name (docs/security.md, Teams): a larger claim refuses the token. */
export const MAX_TEAMS = 100;

const claims = z.object({
  sub: z.uuid(),
  roles: z.array(z.string()).optional(),
  teams: z.array(z.uuid()).max(MAX_TEAMS).optional(),
  teamRoles: z
    .record(z.uuid(), z.enum(['admin', 'member']))
    .refine((roles) => Object.keys(roles).length <= MAX_TEAMS, `at most ${MAX_TEAMS} teamRoles`)
    .optional(),
  exp: z.number({ error: 'exp is required' }).int(),
  iat: z.number().int().optional(),
});

/**
 * Verifies a handshake token: HS256 only (so `alg: none` and other algorithms are refused), `sub` a UUID,
 * `exp` required and no further away than the lifetime cap (from `iat`, and from now, so a future `iat` does
 * not stretch it), `aud`/`iss` when the policy names them.
 */
export function verifyToken(token: unknown, policy: TokenPolicy | string, now = Date.now()): Caller {
  const p: TokenPolicy =
    typeof policy === 'string' ? { jwtSecret: policy, LEDGER_TOKEN_MAX_TTL: DEFAULT_MAX_TTL_S } : policy;
  if (typeof token !== 'string' || token.length === 0 || token.length > 8192) throw new Error('no token');
  const decoded = jwt.verify(token, p.jwtSecret, {
    algorithms: ['HS256'],
    clockTolerance: CLOCK_LEEWAY_S,
    clockTimestamp: Math.floor(now / 1000),
    ...(p.LEDGER_JWT_AUDIENCE && { audience: p.LEDGER_JWT_AUDIENCE }),
    ...(p.LEDGER_JWT_ISSUER && { issuer: p.LEDGER_JWT_ISSUER }),
  });
  const parsed = claims.parse(decoded);
  const nowS = Math.floor(now / 1000);
  const lifetime = parsed.exp - Math.min(parsed.iat ?? nowS, nowS);
  if (lifetime > p.LEDGER_TOKEN_MAX_TTL + CLOCK_LEEWAY_S) throw new Error('token lifetime over the cap');
  const teamRoles: Record<string, TeamRole> = Object.assign(Object.create(null), parsed.teamRoles);
  const teams = [
    ...new Set([...(parsed.teams ?? []), ...Object.keys(teamRoles)].map((t) => t.toLowerCase())),
  ];
  if (teams.length > MAX_TEAMS) throw new Error(`more than ${MAX_TEAMS} teams`);
  return {
    userId: parsed.sub,
    admin: parsed.roles?.includes('admin') ?? false,
    teams,
    teamRoles: Object.fromEntries(Object.entries(teamRoles).map(([t, r]) => [t.toLowerCase(), r])),
    expiresAt: (parsed.exp + CLOCK_LEEWAY_S) * 1000,
  };
}

export interface SignOptions {
  admin?: boolean;
  /** A `jsonwebtoken` span ('1h', '30d') or seconds. */
  expiresIn?: string | number;
  audience?: string;
  issuer?: string;
  teams?: string[];
  teamRoles?: Record<string, TeamRole>;
}

export function signToken(userId: string, secret: string, options: SignOptions = {}): string {
  const teamClaims = {
    ...(options.teams && { teams: options.teams }),
    ...(options.teamRoles && { teamRoles: options.teamRoles }),
  };
  return jwt.sign({ sub: userId, roles: options.admin ? ['admin'] : [], ...teamClaims }, secret, {
    algorithm: 'HS256',
    expiresIn: (options.expiresIn ?? '1d') as jwt.SignOptions['expiresIn'],
    ...(options.audience && { audience: options.audience }),
    ...(options.issuer && { issuer: options.issuer }),
  });
}
