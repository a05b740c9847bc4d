import type { ServerResponse, IncomingMessage } from 'node:http';
import path from 'node:path';

/** One year: files under `assets/` are named by their content hash (Vite), so a new build has new names. */
export const ASSET_MAX_AGE_SECONDS = 31_536_000;

/**
 * The dashboard's Content-Security-Policy: its own scripts only (no inline script, no eval), its own styles
 * (inline style attributes allowed: components and chart libraries set them), images from itself and data:
 * URLs, connections to its own origin over HTTP and WebSocket. No plugins, no framing, no <base> tricks.
 */
export function contentSecurityPolicy(host: string | undefined): string {
  // The exact origin when the Host header is sane; else any ws:/wss: (older browsers do not map 'self' to ws).
  const sockets = host && /^[a-z0-9.-]+(:\d{1,5})?$/i.test(host) ? `ws://${host} wss://${host}` : 'ws: wss:';
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src 'self' ${sockets}`,
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
  ].join('; ');
}

/** Headers of every dashboard response: hashed assets cached for a year, everything else revalidated. */
export function setWebHeaders(res: ServerResponse & { req?: IncomingMessage }, filePath: string): void {
  const hashed = filePath.split(path.sep).includes('assets');
  res.setHeader(
    'Cache-Control',
    hashed ? `public, max-age=${ASSET_MAX_AGE_SECONDS}, immutable` : 'no-cache, no-store, must-revalidate',
  );
  res.setHeader('X-Content-Type-Options', 'nosniff');
  if (filePath.endsWith('.html')) {
    res.setHeader('Content-Security-Policy', contentSecurityPolicy(res.req?.headers.host));
    // The sign-in token lives in the URL fragment, never sent; no referrer leaks the path either.
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('X-Frame-Options', 'DENY');
  }
}
