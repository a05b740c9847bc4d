import { DEV_JWT_SECRET, loadConfig } from './config';
import { parseDurationSeconds } from './duration';

const STRONG = 'x'.repeat(32);

describe('loadConfig: the JWT secret', () => {
  it('refuses to start in production without a secret', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(
      /LEDGER_JWT_SECRET: required with NODE_ENV=production/,
    );
  });

  it('refuses the development secret in production even when it is set explicitly', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', LEDGER_JWT_SECRET: DEV_JWT_SECRET })).toThrow(
      /LEDGER_JWT_SECRET/,
    );
  });

  it('refuses a secret shorter than 32 bytes, in production and out of it', () => {
    const short = 'y'.repeat(31);
    expect(() => loadConfig({ NODE_ENV: 'production', LEDGER_JWT_SECRET: short })).toThrow(/32 bytes/);
    expect(() => loadConfig({ LEDGER_JWT_SECRET: short })).toThrow(/32 bytes/);
  });

  it('counts bytes, not characters', () => {
    // 16 characters of 2 bytes each: 32 bytes.
    expect(loadConfig({ LEDGER_JWT_SECRET: 'é'.repeat(16) }).jwtSecret).toBe('é'.repeat(16));
  });

  it('accepts a strong secret in production', () => {
    const config = loadConfig({ NODE_ENV: 'production', LEDGER_JWT_SECRET: STRONG });
    expect(config).toMatchObject({ jwtSecret: STRONG, jwtSecretIsDefault: false });
  });

  it('outside production, falls back to the development secret (flagged, so the boot warns)', () => {
    expect(loadConfig({})).toMatchObject({ jwtSecret: DEV_JWT_SECRET, jwtSecretIsDefault: true });
  });
});

describe('loadConfig: deployment defaults', () => {
  it('binds to loopback, serves metrics on a loopback port of their own, caps tokens at 30 days', () => {
    expect(loadConfig({})).toMatchObject({
      HOST: '127.0.0.1',
      LEDGER_METRICS_HOST: '127.0.0.1',
      LEDGER_METRICS_PORT: 9464,
      LEDGER_TOKEN_MAX_TTL: 30 * 86_400,
      LEDGER_MIGRATION_LOCK_TIMEOUT: 120,
    });
  });

  it('reads LEDGER_TOKEN_MAX_TTL as a duration and refuses nonsense', () => {
    expect(loadConfig({ LEDGER_TOKEN_MAX_TTL: '12h' }).LEDGER_TOKEN_MAX_TTL).toBe(43_200);
    expect(() => loadConfig({ LEDGER_TOKEN_MAX_TTL: 'forever' })).toThrow(/LEDGER_TOKEN_MAX_TTL/);
  });
});

describe('parseDurationSeconds', () => {
  it.each([
    ['3600', 3600],
    ['90s', 90],
    ['15m', 900],
    ['12h', 43_200],
    ['7d', 604_800],
    ['2w', 1_209_600],
    ['1000y', 31_557_600_000],
  ])('%s is %d s', (text, seconds) => expect(parseDurationSeconds(text)).toBe(seconds));

  it.each(['', 'h', '-1h', '1 day', '1e3'])('%j is not a duration', (text) =>
    expect(parseDurationSeconds(text)).toBeNull(),
  );
});
