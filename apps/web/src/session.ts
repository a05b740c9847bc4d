/**
 * The signed-in user's token. `/#token=<jwt>` signs in: the token is kept in sessionStorage (this tab only, gone when
 * it closes) and removed from the address bar at once, so it is neither in the history nor in a copied link.
 */
const KEY = 'run-ledger.token';

export interface Session {
  token: string;
  userId: string;
  roles: string[];
  /** Seconds since the epoch, when the token carries `exp`. */
  exp: number | null;
}

export function decodeToken(token: string): Session | null {
  const part = token.split('.')[1];
  if (!part) return null;
  try {
    const json = atob(
      part
        .replace(/-/g, '+')
        .replace(/_/g, '/')
        .padEnd(Math.ceil(part.length / 4) * 4, '='),
    );
    const claims = JSON.parse(json) as { sub?: unknown; roles?: unknown; exp?: unknown };
    if (typeof claims.sub !== 'string') return null;
    return {
      token,
      userId: claims.sub,
      roles: Array.isArray(claims.roles)
        ? claims.roles.filter((r): r is string => typeof r === 'string')
        : [],
      exp: typeof claims.exp === 'number' ? claims.exp : null,
    };
  } catch {
    return null;
  }
}

/** Why a `#token=` link did not sign in: not a token with a user id, or past its `exp`. */
export type LinkTokenProblem = 'malformed' | 'expired';

export interface LoadedSession {
  session: Session | null;
  /** Set when the address bar carried a token that was refused, so the sign-in page can say why. */
  linkProblem: LinkTokenProblem | null;
}

/**
 * Takes a `#token=…` from the address bar (then removes it), else the token kept for this tab. A refused link token
 * is not kept and leads to the sign-in page: an expired one would only be turned away by the server, silently.
 */
export function loadSession(nowMs = Date.now()): LoadedSession {
  const match = /^#token=([^&]+)/.exec(window.location.hash);
  let linkProblem: LinkTokenProblem | null = null;
  if (match) {
    const token = decodeURIComponent(match[1]);
    const session = decodeToken(token);
    if (!session) linkProblem = 'malformed';
    else if (session.exp !== null && session.exp * 1000 <= nowMs) linkProblem = 'expired';
    else sessionStorage.setItem(KEY, token);
    const page = linkProblem ? '#/sign-in' : '#/runs';
    history.replaceState(null, '', `${window.location.pathname}${window.location.search}${page}`);
  }
  const kept = sessionStorage.getItem(KEY);
  return { session: kept ? decodeToken(kept) : null, linkProblem };
}

export function saveToken(token: string): Session | null {
  const session = decodeToken(token.trim());
  if (session) sessionStorage.setItem(KEY, session.token);
  return session;
}

export function signOut(): void {
  sessionStorage.removeItem(KEY);
}

/** The ledger to talk to: the server that served the page, unless `?ledger=<url>` names another. */
export function ledgerUrl(): string {
  return new URLSearchParams(window.location.search).get('ledger') ?? window.location.origin;
}
