/**
 * @jest-environment jsdom
 */
import { loadSession } from './session';

// A JWT's payload part (the header and signature are not read by the dashboard).
const jwt = (claims: object) => `h.${btoa(JSON.stringify(claims)).replace(/=+$/, '')}.s`;
const NOW = Date.UTC(2026, 0, 1);

function openLink(token: string) {
  sessionStorage.clear();
  history.replaceState(null, '', `/#token=${encodeURIComponent(token)}`);
  return loadSession(NOW);
}

describe('loadSession with a #token= link', () => {
  it('signs in with a valid token, keeps it for the tab and goes to the runs', () => {
    const loaded = openLink(jwt({ sub: 'u1', exp: NOW / 1000 + 60 }));
    expect(loaded.session?.userId).toBe('u1');
    expect(loaded.linkProblem).toBeNull();
    expect(window.location.hash).toBe('#/runs');
    expect(loadSession(NOW).session?.userId).toBe('u1');
  });

  it('says a malformed token was refused, keeps nothing and opens the sign-in page', () => {
    const loaded = openLink('garbage');
    expect(loaded).toEqual({ session: null, linkProblem: 'malformed' });
    expect(window.location.hash).toBe('#/sign-in');
    expect(sessionStorage.length).toBe(0);
  });

  it('says an expired token was refused rather than signing in with it', () => {
    const loaded = openLink(jwt({ sub: 'u1', exp: NOW / 1000 - 60 }));
    expect(loaded).toEqual({ session: null, linkProblem: 'expired' });
    expect(window.location.hash).toBe('#/sign-in');
    expect(sessionStorage.length).toBe(0);
  });
});
