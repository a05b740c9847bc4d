import { defaultPricing } from '@ledger/pricing';
import { runCli as cli } from '../../../test/support/run-cli';

/** `ledger prices quote`, as the shell runs it: no database, exit 0 with or without a price. */

const quote = (provider: string, model: string, at: string, usage: object, ...more: string[]) =>
  cli(
    'prices',
    'quote',
    '--provider',
    provider,
    '--model',
    model,
    '--at',
    at,
    '--usage',
    JSON.stringify(usage),
    ...more,
  );

describe('ledger prices quote', () => {
  beforeAll(() => {
    delete process.env.LEDGER_PRICES_FILE;
  });

  it('prints the amount, the entry and the catalog version as JSON', async () => {
    // gpt-4o-2024-08-06 before the alias moved: 1000 × 2.5 + 100 × 10 = 3500 per 1M → 0.0035
    const r = await quote(
      'openai',
      'gpt-4o-2024-08-06',
      '2024-09-01',
      { inputTokens: 1000, outputTokens: 100 },
      '--json',
    );
    expect(r.code).toBe(0);
    const q = JSON.parse(r.stdout);
    expect(q).toMatchObject({
      amount: '0.0035',
      currency: 'USD',
      priceId: 'openai/gpt-4o-2024-08-06@2024-08-06',
      catalogVersion: defaultPricing().version,
      at: '2024-09-01T00:00:00.000Z',
    });
  });

  it('is the same function as the server: the service tier changes the price', async () => {
    // gpt-5 priority: 1000 × 2.5 + 1000 × 20 = 22500 per 1M → 0.0225
    const r = await quote(
      'openai',
      'gpt-5',
      '2026-01-10T10:00:00Z',
      { inputTokens: 1000, outputTokens: 1000 },
      '--service-tier',
      'priority',
      '--json',
    );
    expect(JSON.parse(r.stdout)).toMatchObject({
      amount: '0.0225',
      priceId: 'openai/gpt-5@2025-08-07#priority',
    });
  });

  it('answers amount null, exit 0, for a model without a price', async () => {
    const r = await quote(
      'openai',
      'gpt-4o-2099-01-01',
      '2026-01-01',
      { inputTokens: 1, outputTokens: 1 },
      '--json',
    );
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ amount: null, priceId: null });
    const text = await quote('openai', 'gpt-4o-2099-01-01', '2026-01-01', {
      inputTokens: 1,
      outputTokens: 1,
    });
    expect(text.stdout).toContain('no price for openai/gpt-4o-2099-01-01');
  });

  it('refuses a usage that double counts (exit 2, the field named)', async () => {
    const r = await quote('openai', 'gpt-4o', '2026-01-01', {
      inputTokens: 10,
      outputTokens: 5,
      cachedInputTokens: 11,
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('parts of inputTokens');
    const bad = await quote('openai', 'gpt-4o', 'yesterday', { inputTokens: 1, outputTokens: 1 });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--at must be an ISO date');
  });
});
