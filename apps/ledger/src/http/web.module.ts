import { existsSync } from 'node:fs';
import path from 'node:path';
import { Controller, Get, Header, Module, type DynamicModule } from '@nestjs/common';
import { ServeStaticModule } from '@nestjs/serve-static';
import type { LedgerConfig } from '@ledger/config';
import { contentSecurityPolicy, setWebHeaders } from './web.headers';

/**
 * Where the built dashboard is: `LEDGER_WEB_DIR`, else `dist/web` of this installation (found from the
 * sources, `apps/ledger/src/http`, and from the build, `dist/apps/ledger/src/http`).
 */
export function webDir(config: Pick<LedgerConfig, 'LEDGER_WEB_DIR'>): string {
  if (config.LEDGER_WEB_DIR) return path.resolve(config.LEDGER_WEB_DIR);
  // The repository root from the sources; `dist` itself from the build.
  const root = path.resolve(__dirname, '../../../..');
  return path.basename(root) === 'dist' ? path.join(root, 'web') : path.join(root, 'dist', 'web');
}

/** Paths never answered with the dashboard's index.html (a missing asset is a 404, not a page). */
const NOT_THE_APP = ['/assets/{*path}', '/socket.io/{*path}', '/health', '/metrics'];

/** What `/` says when the dashboard has not been built (in `dir`). */
function notBuiltController(dir: string) {
  @Controller()
  class WebNotBuiltController {
    @Get()
    @Header('Content-Type', 'text/html; charset=utf-8')
    @Header('Cache-Control', 'no-store')
    @Header('Content-Security-Policy', contentSecurityPolicy(undefined))
    page(): string {
      return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Run ledger</title></head>
<body><main>
<h1>The run ledger is running</h1>
<p>Its dashboard is not built: there is no <code>index.html</code> in <code>${escapeHtml(dir)}</code>.</p>
<p>Build it with <code>npm run build</code> (it writes <code>dist/web</code>), or point <code>LEDGER_WEB_DIR</code> at a
built dashboard, then restart the ledger. The WebSocket API and <a href="/health">/health</a> work meanwhile.</p>
</main></body></html>
`;
    }
  }
  return WebNotBuiltController;
}

/**
 * Serves the dashboard at `/`: the built files, `index.html` for every other GET (the app routes in the
 * browser), after the server's own routes. Without a build, `/` says how to make one.
 */
@Module({})
export class WebModule {
  static forConfig(config: Pick<LedgerConfig, 'LEDGER_WEB_DIR'>): DynamicModule {
    const rootPath = webDir(config);
    if (!existsSync(path.join(rootPath, 'index.html')))
      return { module: WebModule, controllers: [notBuiltController(rootPath)] };
    return {
      module: WebModule,
      imports: [
        ServeStaticModule.forRoot({
          rootPath,
          exclude: NOT_THE_APP,
          serveStaticOptions: { setHeaders: setWebHeaders, index: 'index.html', fallthrough: true },
        }),
      ],
    };
  }
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
