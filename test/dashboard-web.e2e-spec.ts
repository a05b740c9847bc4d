import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connectClient, ok, startTestLedger, type TestLedger } from './support/ledger-server';

const INDEX =
  '<!doctype html><html><head><script type="module" src="/assets/index-Ab12Cd34.js"></script></head></html>';
const SCRIPT = 'console.log("dashboard");';

/** The ledger serves the built dashboard at `/` on its own port, next to /health and socket.io. */
describe('the dashboard served by the ledger', () => {
  describe('with a build', () => {
    let t: TestLedger;
    beforeAll(async () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'ledger-web-'));
      mkdirSync(path.join(dir, 'assets'));
      writeFileSync(path.join(dir, 'index.html'), INDEX);
      writeFileSync(path.join(dir, 'assets', 'index-Ab12Cd34.js'), SCRIPT);
      t = await startTestLedger({ LEDGER_WEB_DIR: dir });
    });
    afterAll(async () => {
      await t?.close();
    });

    it('answers / with index.html, never cached, under a strict Content-Security-Policy', async () => {
      const res = await fetch(`${t.url}/`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await res.text()).toBe(INDEX);
      expect(res.headers.get('cache-control')).toMatch(/no-cache/);
      const csp = res.headers.get('content-security-policy') ?? '';
      const host = new URL(t.url).host;
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toMatch(/script-src[^;]*unsafe/);
      expect(csp).toContain(`connect-src 'self' ws://${host} wss://${host}`);
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("object-src 'none'");
    });

    it('serves hashed assets with a year-long immutable cache', async () => {
      const res = await fetch(`${t.url}/assets/index-Ab12Cd34.js`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/javascript/);
      expect(await res.text()).toBe(SCRIPT);
      expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    });

    it('answers the app’s own routes with index.html, but a missing asset with 404', async () => {
      const page = await fetch(`${t.url}/runs/7f1c0000-0000-4000-8000-000000000000?x=1`);
      expect(page.status).toBe(200);
      expect(await page.text()).toBe(INDEX);
      expect(page.headers.get('cache-control')).toMatch(/no-cache/);
      expect((await fetch(`${t.url}/assets/index-missing.js`)).status).toBe(404);
    });

    it('keeps /health and the WebSocket API working, and /metrics off the public port', async () => {
      const health = await fetch(`${t.url}/health`);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ status: 'ok' });
      // /metrics lives on its own loopback listener (docs/security.md, deployment), never on the public port.
      expect((await fetch(`${t.url}/metrics`)).status).toBe(404);
      // socket.io's HTTP long-polling transport too (its handshake opens with packet type 0).
      const polling = await fetch(`${t.url}/socket.io/?EIO=4&transport=polling`);
      expect(polling.status).toBe(200);
      expect(await polling.text()).toMatch(/^0\{"sid":/);
      const socket = await connectClient(t.url, t.token());
      expect(await ok(socket, 'runs.list', {})).toEqual({ runs: [], nextCursor: null });
      socket.close();
    });
  });

  describe('without a build', () => {
    let t: TestLedger;
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ledger-noweb-'));
    beforeAll(async () => {
      t = await startTestLedger({ LEDGER_WEB_DIR: dir });
    });
    afterAll(async () => {
      await t?.close();
    });

    it('answers / with a page that says how to build the dashboard', async () => {
      const res = await fetch(`${t.url}/`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      const body = await res.text();
      expect(body).toContain('npm run build');
      expect(body).toContain('LEDGER_WEB_DIR');
      expect(body).toContain(dir);
      expect((await fetch(`${t.url}/health`)).status).toBe(200);
    });
  });
});
