import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Usage } from '@ledger/domain';
import { describeEntry, formatPriceTable } from './format';
import { loadPricing, PricingCatalogError } from './index';

const AT = '2026-11-24T12:00:00Z';
const u = (inputTokens: number, outputTokens: number, reasoningTokens = 0): Usage => ({
  inputTokens,
  outputTokens,
  cachedInputTokens: 0,
  cacheWriteTokens: 0,
  reasoningTokens,
  totalTokens: inputTokens + outputTokens,
});

describe('loadPricing({ overridesFile })', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ledger-pricing-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const write = (name: string, content: unknown) => {
    const file = join(dir, name);
    writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
    return file;
  };
  const entry = {
    provider: 'acme',
    model: 'acme-reasoner-1',
    effectiveFrom: '2026-01-01',
    checkedAt: '2026-11-24',
    source: 'https://acme.example/pricing',
    prices: { input: '1', output: '4', reasoning: '20' },
  };

  it('overrides a built-in entry with the same id and adds new ones', () => {
    const file = write('prices.json', [
      {
        id: 'openai/gpt-4o@2024-10-02',
        provider: 'openai',
        model: 'gpt-4o',
        effectiveFrom: '2024-10-02',
        checkedAt: '2026-11-24',
        source: 'https://contract.example/negotiated',
        prices: { input: '2', output: '8' },
      },
      { id: 'acme/acme-reasoner-1@2026-01-01', ...entry },
    ]);
    const pricing = loadPricing({ overridesFile: file });

    // negotiated gpt-4o: 1000 × 2 + 1000 × 8 = 10000 per 1M → 0.01 (built-in would be 0.0125)
    expect(pricing.price({ provider: 'openai', model: 'gpt-4o', usage: u(1000, 1000), at: AT }).amount).toBe(
      '0.01',
    );
    // acme: 1000 × 1 + (1000 − 600) × 4 + 600 × 20 = 1000 + 1600 + 12000 = 14600 per 1M → 0.0146
    const acme = pricing.price({
      provider: 'acme',
      model: 'acme-reasoner-1',
      usage: u(1000, 1000, 600),
      at: AT,
    });
    expect(acme).toEqual({
      amount: '0.0146',
      priceId: 'acme/acme-reasoner-1@2026-01-01',
      prices: { input: '1', output: '4', cachedInput: '1', cacheWrite: '1', reasoning: '20' },
    });
    expect(pricing.list()).toHaveLength(loadPricing().list().length + 1);
    expect(pricing.find('acme', 'acme-reasoner-1', AT)?.source).toBe('https://acme.example/pricing');
  });

  it('names the file and the bad field when an entry is invalid', () => {
    const file = write('bad.json', [
      { id: 'acme/x@2026-01-01', ...entry, prices: { input: '1', output: '1e-6' } },
    ]);
    const load = () => loadPricing({ overridesFile: file });
    expect(load).toThrow(PricingCatalogError);
    expect(load).toThrow(`${file}: invalid price entries`);
    expect(load).toThrow(/entry 0 \(id "acme\/x@2026-01-01"\): prices\.output: must be a decimal string/);
  });

  it('names the file when it is missing, not JSON, or not an array', () => {
    expect(() => loadPricing({ overridesFile: join(dir, 'missing.json') })).toThrow(
      /missing\.json: cannot read/,
    );
    expect(() => loadPricing({ overridesFile: write('broken.json', '{ nope') })).toThrow(
      /broken\.json: .*not valid JSON/,
    );
    expect(() => loadPricing({ overridesFile: write('object.json', { entries: [] }) })).toThrow(
      /object\.json: .*JSON array/,
    );
  });
});

describe('CLI helpers', () => {
  const pricing = loadPricing();

  it('formatPriceTable lists every entry with its prices', () => {
    const table = formatPriceTable(pricing.list());
    const lines = table.split('\n');
    expect(lines[0]).toMatch(/^ID\s+INPUT\s+CACHED\s+CACHE WRITE\s+OUTPUT\s+REASONING\s+FROM\s+TIERS$/);
    expect(lines).toHaveLength(pricing.list().length + 2);
    expect(table).toMatch(
      /anthropic\/claude-sonnet-4@2025-05-14\s+3\s+0\.3\s+3\.75\s+15\s+15\s+2025-05-14\s+>200k/,
    );
  });

  it('describeEntry shows names, source, defaults and tiers', () => {
    const text = describeEntry(pricing.find('anthropic', 'claude-sonnet-4-20250514', AT)!);
    expect(text).toContain('anthropic/claude-sonnet-4@2025-05-14');
    expect(text).toContain('source         https://platform.claude.com/docs/en/about-claude/pricing');
    expect(text).toContain('reasoning      $15 (= output)');
    expect(text).toContain(
      'tier >200k (above 200000 input tokens, priceId anthropic/claude-sonnet-4@2025-05-14#>200k)',
    );
  });
});
