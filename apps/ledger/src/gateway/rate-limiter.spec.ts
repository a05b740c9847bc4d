import { COMMAND_COSTS, SEARCH_COST, UserRateLimiter, commandCost } from './rate-limiter';

const USER = 'a',
  OTHER = 'b';
const takeMany = async (limiter: UserRateLimiter, user: string, n: number, cost = 1) => {
  let served = 0;
  for (let i = 0; i < n; i++) if ((await limiter.take(user, cost)).allowed) served++;
  return served;
};

describe('UserRateLimiter', () => {
  // The limiter reads Date.now() and sets timers: jest's fake clock stands in for the passing of time.
  beforeEach(() => jest.useFakeTimers({ now: 0 }));
  afterEach(() => jest.useRealTimers());

  it('serves a burst per user, refuses beyond it with the time to wait, and serves again after the window', async () => {
    const limiter = new UserRateLimiter(50, 50); // 50 points per 1 s window
    expect(await takeMany(limiter, USER, 200)).toBe(50);
    const refused = await limiter.take(USER, 1);
    expect(refused).toEqual({ allowed: false, retryAfterMs: expect.any(Number) });
    expect(refused.allowed === false && refused.retryAfterMs).toBeGreaterThan(0);
    // Another user has a budget of its own.
    expect(await takeMany(limiter, OTHER, 60)).toBe(50);
    jest.advanceTimersByTime(500);
    expect(await takeMany(limiter, USER, 10)).toBe(0);
    jest.advanceTimersByTime(600);
    expect(await takeMany(limiter, USER, 80)).toBe(50);
  });

  it('charges a command its weight, and never more than the whole budget', async () => {
    const limiter = new UserRateLimiter(1, 50);
    expect(await takeMany(limiter, USER, 10, COMMAND_COSTS['usage.summary'])).toBe(5);
    const small = new UserRateLimiter(1, 10);
    expect(await takeMany(small, USER, 3, COMMAND_COSTS['projections.rebuild'])).toBe(1);
  });
});

describe('commandCost', () => {
  it('weighs whole-stream reads and aggregates above plain commands', () => {
    expect(commandCost('run.get', { runId: 'x' })).toBe(1);
    expect(commandCost('task.chunk', {})).toBe(1);
    expect(commandCost('run.replay', {})).toBe(COMMAND_COSTS['run.replay']);
    expect(commandCost('run.at', {})).toBeGreaterThan(1);
    expect(commandCost('usage.summary', undefined)).toBeGreaterThan(1);
    expect(commandCost('runs.list', {})).toBe(1);
    expect(commandCost('runs.list', { q: 'needle' })).toBe(SEARCH_COST);
    expect(commandCost('runs.list', { q: '' })).toBe(1);
  });
});
