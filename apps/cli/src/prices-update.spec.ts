import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli as cli } from '../../../test/support/run-cli';

/** `ledger prices update <file>`: validate, show the change, install as LEDGER_PRICES_FILE; then quote uses it. */
describe('ledger prices update', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ledger-prices-'));
  const installed = path.join(dir, 'prices.json');
  const entry = {
    id: 'acme/acme-1@2025-06-01',
    provider: 'acme',
    model: 'acme-1',
    effectiveFrom: '2025-06-01',
    checkedAt: '2026-11-30',
    source: 'https://acme.example.com/pricing',
    prices: { input: '1', output: '2' },
  };
  const write = (name: string, data: unknown) => {
    const file = path.join(dir, name);
    writeFileSync(file, JSON.stringify(data));
    return file;
  };
  const usage = JSON.stringify({ inputTokens: 1000, outputTokens: 1000 });
  const quote = () =>
    cli(
      'prices',
      'quote',
      '--provider',
      'acme',
      '--model',
      'acme-1',
      '--at',
      '2026-01-01',
      '--usage',
      usage,
      '--json',
    );

  beforeEach(() => {
    process.env.LEDGER_PRICES_FILE = installed;
  });
  afterAll(() => {
    delete process.env.LEDGER_PRICES_FILE;
  });

  it('refuses an invalid file, naming the entry and the field, and installs nothing', async () => {
    const bad = write('bad.json', [{ ...entry, prices: { input: 1, output: '2' } }]);
    const r = await cli('prices', 'update', bad);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('entry 0 (id "acme/acme-1@2025-06-01"): prices.input');
    expect(() => readFileSync(installed)).toThrow();
  });

  it('shows the change on --dry-run, then installs the file; the new price is quoted', async () => {
    delete process.env.LEDGER_PRICES_FILE;
    expect(JSON.parse((await quote()).stdout).amount).toBeNull();
    process.env.LEDGER_PRICES_FILE = installed;
    const file = write('new.json', [entry]);
    const dry = await cli('prices', 'update', file, '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('1 added, 0 changed, 0 removed');
    expect(dry.stdout).toContain('+ acme/acme-1@2025-06-01');
    expect(dry.stdout).toContain('dry run: nothing installed');
    expect(() => readFileSync(installed)).toThrow();

    const r = await cli('prices', 'update', file);
    expect(r.code).toBe(0);
    expect(readFileSync(installed, 'utf8')).toBe(readFileSync(file, 'utf8'));
    // 1000 × 1 + 1000 × 2 = 3000 per 1M → 0.003, and the catalog version names the overrides.
    const q = JSON.parse((await quote()).stdout);
    expect(q).toMatchObject({ amount: '0.003', priceId: 'acme/acme-1@2025-06-01' });
    expect(q.catalogVersion).toMatch(/^genai-prices@0\.1\.8\+own\.[0-9a-f]{12}\+overrides\.[0-9a-f]{12}$/);

    const changed = write('changed.json', [{ ...entry, prices: { input: '1.5', output: '2' } }]);
    const again = await cli('prices', 'update', changed, '--dry-run');
    expect(again.stdout).toContain('0 added, 1 changed, 0 removed');
    expect(again.stdout).toContain('~ acme/acme-1@2025-06-01');
  });
});
