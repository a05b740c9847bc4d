import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';

/**
 * What a command costs in rate-limit points (docs/security.md "Transport"). Most commands are one indexed read or
 * one append: 1. These read a whole stream or aggregate many rows, so they cost more.
 */
export const COMMAND_COSTS: Readonly<Record<string, number>> = {
  'run.replay': 20,
  'run.at': 10,
  'usage.summary': 10,
  'projections.rebuild': 100,
};
/** `runs.list` with a search text `q` scans message text instead of walking an index. */
export const SEARCH_COST = 5;

export function commandCost(name: string, raw: unknown): number {
  if (name === 'runs.list' && typeof raw === 'object' && raw !== null) {
    const q = (raw as { q?: unknown }).q;
    if (typeof q === 'string' && q.length > 0) return SEARCH_COST;
  }
  return COMMAND_COSTS[name] ?? 1;
}

export type RateDecision = { allowed: true } | { allowed: false; retryAfterMs: number };

/**
 * One budget per user, shared by all of that user's sockets on this instance (so opening more sockets buys no
 * more commands): `burst` points per window of `burst / rate` seconds, i.e. `rate` points per second on average
 * and at most `burst` at once. rate-limiter-flexible's memory store; its Redis store has the same interface, for
 * a budget shared by several instances.
 */
export class UserRateLimiter {
  private readonly limiter: RateLimiterMemory;

  constructor(
    ratePerSecond: number,
    private readonly burst: number,
  ) {
    this.limiter = new RateLimiterMemory({
      keyPrefix: 'commands',
      points: burst,
      duration: burst / ratePerSecond,
    });
  }

  async take(userId: string, cost: number): Promise<RateDecision> {
    try {
      // A cost above the whole budget could never be paid: it takes the whole budget instead.
      await this.limiter.consume(userId, Math.min(cost, this.burst));
      return { allowed: true };
    } catch (refusal) {
      if (refusal instanceof RateLimiterRes) return { allowed: false, retryAfterMs: refusal.msBeforeNext };
      throw refusal;
    }
  }
}
