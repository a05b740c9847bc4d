import { useEffect, useState } from 'react';

/** The dashboard's pages, addressed by the fragment (`#/runs/<id>`), so any static server can serve it. */
export type Route =
  | { page: 'runs' }
  | { page: 'run'; runId: string }
  | { page: 'usage' }
  | { page: 'admin' }
  | { page: 'sign-in' };

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '');
  const run = /^\/runs\/([0-9a-f-]{36})\/?$/i.exec(path);
  if (run) return { page: 'run', runId: run[1].toLowerCase() };
  if (path === '/usage') return { page: 'usage' };
  if (path === '/admin') return { page: 'admin' };
  if (path === '/sign-in') return { page: 'sign-in' };
  return { page: 'runs' };
}

export const href = {
  runs: '#/runs',
  run: (runId: string) => `#/runs/${runId}`,
  usage: '#/usage',
  admin: '#/admin',
  signIn: '#/sign-in',
};

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

export function navigate(to: string): void {
  window.location.hash = to.replace(/^#/, '');
}
