import { randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { Socket } from 'socket.io-client';
import { CLOCK_LEEWAY_S } from '@ledger/runtime';
import { TOKEN_EXPIRED_EVENT } from '../../apps/ledger/src/gateway/ledger-socket';
import {
  connectClient,
  ok,
  startTestLedger,
  TEST_JWT_SECRET,
  type TestLedger,
} from '../support/ledger-server';

const AUDIENCE = 'run-ledger-tests';
const ISSUER = 'https://issuer.example.test';
const MAX_TTL_S = 3600;

/** A token signed with the test secret; `claims` and `options` override the valid defaults. */
function token(claims: Record<string, unknown> = {}, options: jwt.SignOptions = {}): string {
  return jwt.sign({ sub: randomUUID(), roles: [], ...claims }, TEST_JWT_SECRET, {
    algorithm: 'HS256',
    audience: AUDIENCE,
    issuer: ISSUER,
    // An explicit `exp` claim and the expiresIn option cannot both be given.
    ...('exp' in claims ? {} : { expiresIn: 600 }),
    ...options,
  });
}

const refused = (url: string, t: string) => expect(connectClient(url, t)).rejects.toThrow('UNAUTHORIZED');

describe('tokens: exp required, lifetime cap, audience and issuer, expiry on open sockets', () => {
  let t: TestLedger;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    t = await startTestLedger({
      LEDGER_JWT_AUDIENCE: AUDIENCE,
      LEDGER_JWT_ISSUER: ISSUER,
      LEDGER_TOKEN_MAX_TTL: String(MAX_TTL_S),
    });
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await t?.close();
  });

  it('accepts a valid token', async () => {
    const socket = await connectClient(t.url, token());
    sockets.push(socket);
    expect(socket.connected).toBe(true);
  });

  it('refuses a token without exp', async () => {
    const noExp = jwt.sign({ sub: randomUUID(), aud: AUDIENCE, iss: ISSUER }, TEST_JWT_SECRET, {
      algorithm: 'HS256',
    });
    await refused(t.url, noExp);
  });

  it('refuses a token that has expired (beyond the clock leeway)', async () => {
    const iat = Math.floor(Date.now() / 1000) - 60;
    await refused(t.url, token({ iat, exp: iat + 60 - CLOCK_LEEWAY_S - 2 }));
  });

  it('refuses a token whose lifetime exceeds LEDGER_TOKEN_MAX_TTL, also through a future iat', async () => {
    await refused(t.url, token({}, { expiresIn: MAX_TTL_S + 60 }));
    await refused(t.url, token({}, { expiresIn: '1000y' }));
    const future = Math.floor(Date.now() / 1000) + 10 * 365 * 86_400;
    await refused(t.url, token({ iat: future, exp: future + 60 }));
    const atCap = await connectClient(t.url, token({}, { expiresIn: MAX_TTL_S }));
    sockets.push(atCap);
    expect(atCap.connected).toBe(true);
  });

  it('refuses a wrong or missing audience, and a wrong or missing issuer', async () => {
    await refused(t.url, token({}, { audience: 'another-service' }));
    await refused(t.url, token({}, { issuer: 'https://evil.example.test' }));
    const bare = (omit: 'aud' | 'iss') =>
      jwt.sign(
        { sub: randomUUID(), ...(omit === 'aud' ? { iss: ISSUER } : { aud: AUDIENCE }) },
        TEST_JWT_SECRET,
        { algorithm: 'HS256', expiresIn: 600 },
      );
    await refused(t.url, bare('aud'));
    await refused(t.url, bare('iss'));
  });

  it('cuts an open socket when its token expires, after telling it why', async () => {
    const exp = Math.floor(Date.now() / 1000) + 2;
    const socket = await connectClient(t.url, token({ exp }));
    sockets.push(socket);
    const told = new Promise<{ expiredAt: string }>((resolve) => socket.once(TOKEN_EXPIRED_EVENT, resolve));
    const disconnected = new Promise<string>((resolve) => socket.once('disconnect', resolve));
    // Commands work while the token is valid.
    const { runId } = await ok<{ runId: string }>(socket, 'run.start', { sourceType: 'chat', settings: {} });
    expect(runId).toBeDefined();
    const reason = await disconnected;
    expect(reason).toBe('io server disconnect');
    expect(await told).toEqual({ expiredAt: new Date((exp + CLOCK_LEEWAY_S) * 1000).toISOString() });
    // Never before the token's exp.
    expect(Date.now()).toBeGreaterThanOrEqual(exp * 1000);
  });
});
