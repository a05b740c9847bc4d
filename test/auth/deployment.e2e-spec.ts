import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { postgresSystemUser } from '@ledger/database';
import { startChildLedger, type ChildLedger } from '../support/child-ledger';
import { startTestLedger, type TestLedger } from '../support/ledger-server';

describe('deployment: what the public port shows', () => {
  let t: TestLedger;
  beforeAll(async () => {
    t = await startTestLedger();
  });
  afterAll(async () => t?.close());

  it('sends no X-Powered-By header', async () => {
    const health = await fetch(`${t.url}/health`);
    expect(health.status).toBe(200);
    expect(health.headers.get('x-powered-by')).toBeNull();
    const missing = await fetch(`${t.url}/no-such-page`);
    expect(missing.headers.get('x-powered-by')).toBeNull();
  });

  it('does not serve /metrics on the public port; its own loopback listener does', async () => {
    expect((await fetch(`${t.url}/metrics`)).status).toBe(404);
    const metricsUrl = t.ledger.metricsUrl as string;
    expect(new URL(metricsUrl).hostname).toBe('127.0.0.1');
    expect(new URL(metricsUrl).port).not.toBe(new URL(t.url).port);
    const scraped = await fetch(metricsUrl);
    expect(scraped.status).toBe(200);
    expect(await scraped.text()).toMatch(/^ledger_sockets /m);
  });
});

describe('deployment: the embedded PostgreSQL data folder', () => {
  const parent = mkdtempSync(path.join(os.tmpdir(), 'ledger-data-'));
  const dataDir = path.join(parent, 'data');
  let child: ChildLedger | undefined;

  afterAll(async () => {
    child?.kill('SIGTERM');
    await child?.exited;
    rmSync(parent, { recursive: true, force: true });
  });

  it('is private (0700), owned by the user PostgreSQL runs as', async () => {
    // As root, PostgreSQL runs as `postgres`, which must reach its data through the (root-owned) parent.
    if (process.getuid?.() === 0) chmodSync(parent, 0o755);
    child = await startChildLedger(null, { LEDGER_DATA_DIR: dataDir });
    expect((await fetch(`${child.url}/health`)).status).toBe(200);
    const folder = statSync(dataDir);
    expect(folder.mode & 0o777).toBe(0o700);
    expect(folder.uid).toBe(process.getuid?.() === 0 ? postgresSystemUser().uid : process.getuid?.());
    expect(statSync(path.join(dataDir, 'pg')).mode & 0o077).toBe(0);
  }, 120_000);

  it('has a random superuser password, kept in a 0600 file; the one printed in the source is refused', async () => {
    const file = path.join(dataDir, 'superuser-password');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const port = Number(readFileSync(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[3]);
    const login = (password: string) =>
      new Client({ host: '127.0.0.1', port, user: 'postgres', password, database: 'postgres' });
    const legacy = login('ledger');
    await expect(legacy.connect()).rejects.toThrow(/password authentication failed/);
    await legacy.end().catch(() => undefined);
    const real = login(readFileSync(file, 'utf8').trim());
    await real.connect();
    await real.end();
  });
});
