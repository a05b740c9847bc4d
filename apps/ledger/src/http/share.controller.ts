import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Controller, Get, Inject, Param, Req, Res } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { LedgerConfig } from '@ledger/config';
import { CONFIG } from '../infra/tokens';
import { ShareService } from '../read/shares';
import { contentSecurityPolicy } from './web.headers';
import { webDir } from './web.module';

const NOT_FOUND = JSON.stringify({ error: { code: 'NOT_FOUND', message: 'no such link' } });
const RATE_LIMITED = JSON.stringify({
  error: { code: 'RATE_LIMITED', message: 'too many requests; slow down' },
});
const NOT_BUILT =
  '<!doctype html><html lang="en"><head><meta name="robots" content="noindex"><title>Shared run</title></head>' +
  '<body><main><h1>Shared run</h1><p>The dashboard is not built; the run is at /api/share/.</p></main></body></html>';

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.statusCode = status;
  res.setHeader('Content-Type', type);
  res.end(body);
}

/**
 * The public side of share links, with no sign-in: `/share/<token>` is the dashboard's read-only page, and
 * `/api/share/<token>` the run it shows. A token that is malformed, unknown, revoked or expired is a 404 on both,
 * the same 404 whatever the reason. Every answer says `noindex`, is never cached, and sends no referrer (the
 * token is in the path). Each address gets LEDGER_SHARE_RATE_LIMIT requests a minute (guessing is hopeless
 * anyway at 256 bits; this keeps one client from loading the server with replays).
 */
@Controller()
export class ShareController {
  private readonly limiter: RateLimiterMemory;
  private page: string | null | undefined;

  constructor(
    private readonly shares: ShareService,
    @Inject(CONFIG) private readonly config: LedgerConfig,
  ) {
    this.limiter = new RateLimiterMemory({ points: config.LEDGER_SHARE_RATE_LIMIT, duration: 60 });
  }

  @Get('api/share/:token')
  async data(
    @Param('token') token: string,
    @Req() req: IncomingMessage,
    @Res() res: ServerResponse,
  ): Promise<void> {
    if (!(await this.admit(req, res))) return;
    const shared = await this.shares.open(token);
    if (!shared) {
      return send(res, 404, 'application/json', NOT_FOUND);
    }
    send(res, 200, 'application/json', JSON.stringify(shared));
  }

  @Get('share/:token')
  async html(
    @Param('token') token: string,
    @Req() req: IncomingMessage,
    @Res() res: ServerResponse,
  ): Promise<void> {
    if (!(await this.admit(req, res))) return;
    const open = await this.shares.isOpen(token);
    const page = this.indexHtml();
    res.setHeader('Content-Security-Policy', contentSecurityPolicy(req.headers.host));
    res.setHeader('X-Frame-Options', 'DENY');
    // The page itself says "not found" for a dead link (it asks /api/share): the status tells crawlers and tools.
    send(res, open ? 200 : 404, 'text/html; charset=utf-8', page ?? NOT_BUILT);
  }

  /** Headers of every answer, and the per-address limit; false when the request was refused (429). */
  private async admit(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    res.setHeader('X-Robots-Tag', 'noindex, nofollow');
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    try {
      await this.limiter.consume(req.socket.remoteAddress ?? 'unknown');
      return true;
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      res.setHeader('Retry-After', String(Math.max(1, Math.ceil(rejection.msBeforeNext / 1000))));
      send(res, 429, 'application/json', RATE_LIMITED);
      return false;
    }
  }

  /** The dashboard's index.html with `noindex` in its head (read once), or null when it is not built. */
  private indexHtml(): string | null {
    if (this.page !== undefined) return this.page;
    try {
      const html = readFileSync(path.join(webDir(this.config), 'index.html'), 'utf8');
      // The page is one level down (/share/<token>): the build's `./assets/…` are `../assets/…` from there.
      this.page = html
        .replace(/<head>/i, '<head>\n    <meta name="robots" content="noindex, nofollow">')
        .replace(/(src|href)="\.\//g, '$1="../');
    } catch {
      this.page = null;
    }
    return this.page;
  }
}
