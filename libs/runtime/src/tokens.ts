import jwt from 'jsonwebtoken';
import { z } from 'zod';

export interface Caller {
  readonly userId: string;
  readonly admin: boolean;
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

/** Clock skew tolerated between the token's issuer and this server (PROTOCOL §5: at most 5 s). */
export const CLOCK_LEEWAY_S = 5;

/** Longest token lifetime when the caller passes a bare secret (the default of LEDGER_TOKEN_MAX_TTL). */
const DEFAULT_MAX_TTL_S = 30 * 86_400;

// `teams` / `teamRoles` are reserved for team features: accepted, not interpreted here.
const claims = z.object({
  sub: z.uuid(),
  roles: z.array(z.string()).optional(),
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
  return {
    userId: parsed.sub,
    admin: parsed.roles?.includes('admin') ?? false,
    expiresAt: (parsed.exp + CLOCK_LEEWAY_S) * 1000,
  };
}

export interface SignOptions {
  admin?: boolean;
  /** A `jsonwebtoken` span ('1h', '30d') or seconds. */
  expiresIn?: string | number;
  audience?: string;
  issuer?: string;
}

export function signToken(userId: string, secret: string, options: SignOptions = {}): string {
  return jwt.sign({ sub: userId, roles: options.admin ? ['admin'] : [] }, secret, {
    algorithm: 'HS256',
    expiresIn: (options.expiresIn ?? '1d') as jwt.SignOptions['expiresIn'],
    ...(options.audience && { audience: options.audience }),
    ...(options.issuer && { issuer: options.issuer }),
  });
}
