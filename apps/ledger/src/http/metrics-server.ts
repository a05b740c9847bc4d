import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';

export interface MetricsServer {
  /** `http://host:port/metrics`, or null when the listener could not bind. */
  readonly url: string | null;
  close(): Promise<void>;
}

/**
 * Prometheus metrics on their own listener (loopback by default), so the public port never shows them: they
 * reveal traffic, command mix and errors. A port that cannot be bound is logged, not fatal: the ledger itself
 * keeps serving (a second instance on one host must set another LEDGER_METRICS_PORT to be scraped).
 */
export async function startMetricsServer(
  registry: Registry,
  port: number,
  host: string,
  logger: Logger,
): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'Content-Type': registry.contentType }).end(text),
      (error: Error) => {
        logger.error({ err: error }, 'metrics: collection failed');
        res.writeHead(500).end();
      },
    );
  });
  const bound = await new Promise<boolean>((resolve) => {
    server.once('error', (error) => {
      logger.error({ err: error, port, host }, 'metrics: cannot listen; /metrics is not served');
      resolve(false);
    });
    server.listen(port, host, () => resolve(true));
  });
  if (!bound) return { url: null, close: async () => undefined };
  const address = server.address() as AddressInfo;
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${shown}:${address.port}/metrics`;
  logger.info({ url }, 'metrics listening');
  return {
    url,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
