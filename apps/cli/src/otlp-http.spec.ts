import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { OtelDocument } from '@ledger/otel';
import { parseOtlpHeaders, postOtlp, tracesUrl } from './otlp-http';

/** The live OTLP/HTTP export, against a real HTTP server on a free port. */
describe('postOtlp', () => {
  let server: Server;
  let base: string;
  const received: Array<{ url: string; headers: IncomingMessage['headers']; body: string }> = [];
  let status = 200;

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push({ url: req.url ?? '', headers: req.headers, body });
        res
          .writeHead(status, { 'content-type': 'application/json' })
          .end(status === 200 ? '{}' : '{"error":"nope"}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => new Promise<void>((resolve) => server.close(() => resolve())));

  const doc: OtelDocument = {
    resourceSpans: [
      {
        resource: { attributes: [] },
        scopeSpans: [{ scope: { name: 'run-ledger', version: '0.1.0' }, spans: [] }],
      },
    ],
  };

  it('POSTs OTLP/JSON to <endpoint>/v1/traces with the configured headers', async () => {
    await postOtlp(
      `${base}/api/public/otel`,
      doc,
      parseOtlpHeaders('Authorization=Basic%20abc,x-team=ledger'),
    );
    const last = received.at(-1)!;
    expect(last.url).toBe('/api/public/otel/v1/traces');
    expect(last.headers['content-type']).toBe('application/json');
    expect(last.headers.authorization).toBe('Basic abc');
    expect(last.headers['x-team']).toBe('ledger');
    expect(JSON.parse(last.body)).toEqual(doc);
  });

  it('reports a refusal with its status', async () => {
    status = 401;
    await expect(postOtlp(base, doc)).rejects.toThrow(/answered 401/);
    status = 200;
  });

  it('accepts an endpoint given with /v1/traces already', () => {
    expect(tracesUrl('http://collector:4318/v1/traces')).toBe('http://collector:4318/v1/traces');
    expect(tracesUrl('http://collector:4318/')).toBe('http://collector:4318/v1/traces');
  });
});
