import type { Usage } from '@ledger/domain';
import { defaultPricing } from './pricing';

/** Worked examples: every expected amount is computed by hand in the comment above it (prices per 1M tokens). */

const pricing = defaultPricing();
const AT = '2026-11-24T12:00:00.000Z';

function usage(u: Partial<Usage> & Pick<Usage, 'inputTokens' | 'outputTokens'>): Usage {
  return {
    cachedInputTokens: 0,
    cacheWriteTokens: 0,
    reasoningTokens: 0,
    ...u,
    totalTokens: u.inputTokens + u.outputTokens,
  };
}
const price = (provider: string, model: string, u: Usage, at = AT) =>
  pricing.price({ provider, model, usage: u, at });

describe('price(): exact decimal cost per provider', () => {
  it('OpenAI gpt-4o, plain input and output', () => {
    // 1200 × $2.50 + 350 × $10 = 3000 + 3500 = 6500 per 1M → 0.0065
    const cost = price('openai', 'gpt-4o', usage({ inputTokens: 1200, outputTokens: 350 }));
    expect(cost.amount).toBe('0.0065');
    expect(cost.priceId).toBe('openai/gpt-4o@2024-10-02');
    expect(cost.prices).toEqual({
      input: '2.5',
      output: '10',
      cachedInput: '1.25',
      cacheWrite: '2.5',
      reasoning: '10',
    });
  });

  it('OpenAI gpt-4o-mini with cached input: the cached part is priced once, at the cached price', () => {
    // (10000 − 8000) × 0.15 + 8000 × 0.075 + 500 × 0.60 = 300 + 600 + 300 = 1200 per 1M → 0.0012
    const cost = price(
      'openai',
      'gpt-4o-mini',
      usage({ inputTokens: 10_000, cachedInputTokens: 8000, outputTokens: 500 }),
    );
    expect(cost.amount).toBe('0.0012');
  });

  it('Anthropic claude-sonnet-4 with cache reads and cache writes', () => {
    // (50000 − 30000 − 10000) × 3 + 30000 × 0.30 + 10000 × 3.75 + 2000 × 15
    //   = 30000 + 9000 + 37500 + 30000 = 106500 per 1M → 0.1065
    const cost = price(
      'anthropic',
      'claude-sonnet-4',
      usage({ inputTokens: 50_000, cachedInputTokens: 30_000, cacheWriteTokens: 10_000, outputTokens: 2000 }),
    );
    expect(cost).toEqual({
      amount: '0.1065',
      priceId: 'anthropic/claude-sonnet-4@2025-05-14',
      prices: {
        input: '3',
        output: '15',
        cachedInput: '0.3',
        cacheWrite: '3.75',
        reasoning: '15',
      },
    });
  });

  it('Anthropic claude-haiku-4-5 with a cache write only', () => {
    // (4000 − 3000) × 1 + 3000 × 1.25 + 800 × 5 = 1000 + 3750 + 4000 = 8750 per 1M → 0.00875
    const cost = price(
      'anthropic',
      'claude-haiku-4-5',
      usage({ inputTokens: 4000, cacheWriteTokens: 3000, outputTokens: 800 }),
    );
    expect(cost.amount).toBe('0.00875');
  });

  it('OpenAI o3 with reasoning tokens (reasoning priced at the output price, once)', () => {
    // (2000 − 1000) × 2 + 1000 × 0.50 + (5000 − 4000) × 8 + 4000 × 8 = 2000 + 500 + 8000 + 32000 = 42500 → 0.0425
    const cost = price(
      'openai',
      'o3',
      usage({ inputTokens: 2000, cachedInputTokens: 1000, outputTokens: 5000, reasoningTokens: 4000 }),
    );
    expect(cost.amount).toBe('0.0425');
    expect(cost.priceId).toBe('openai/o3@2025-06-10');
    expect(cost.prices?.reasoning).toBe('8');
  });

  it('OpenAI o4-mini with reasoning tokens', () => {
    // 1000 × 1.10 + (3000 − 2500) × 4.40 + 2500 × 4.40 = 1100 + 2200 + 11000 = 14300 per 1M → 0.0143
    const cost = price(
      'openai',
      'o4-mini',
      usage({ inputTokens: 1000, outputTokens: 3000, reasoningTokens: 2500 }),
    );
    expect(cost.amount).toBe('0.0143');
  });

  it('Google gemini-2.5-flash, cached input', () => {
    // (100000 − 60000) × 0.30 + 60000 × 0.03 + 1500 × 2.50 = 12000 + 1800 + 3750 = 17550 per 1M → 0.01755
    const cost = price(
      'gemini',
      'gemini-2.5-flash',
      usage({ inputTokens: 100_000, cachedInputTokens: 60_000, outputTokens: 1500 }),
    );
    expect(cost.amount).toBe('0.01755');
    expect(cost.priceId).toBe('google/gemini-2.5-flash@2025-06-17');
  });

  it('Mistral, xAI, DeepSeek, Groq and Together', () => {
    // mistral-medium-latest on 2026-01-01 (Medium 3.1): 2000 × 0.40 + 1000 × 2 = 800 + 2000 = 2800 → 0.0028
    expect(
      price(
        'mistral',
        'mistral-medium-latest',
        usage({ inputTokens: 2000, outputTokens: 1000 }),
        '2026-01-01T00:00:00Z',
      ).amount,
    ).toBe('0.0028');
    // grok-4 in 2025 (before it was retired into grok-4.3): (3000 − 1000) × 3 + 1000 × 0.75 + 500 × 15 = 6000 + 750 + 7500 = 14250 → 0.01425
    expect(
      price(
        'xai',
        'grok-4',
        usage({ inputTokens: 3000, cachedInputTokens: 1000, outputTokens: 500 }),
        '2025-08-01T00:00:00Z',
      ).amount,
    ).toBe('0.01425');
    // deepseek-reasoner (V3.2, before the alias moved to V4): 10000 × 0.28 + 4000 × 0.42 = 2800 + 1680 = 4480 → 0.00448
    expect(
      price(
        'deepseek',
        'deepseek-reasoner',
        usage({ inputTokens: 10_000, outputTokens: 4000, reasoningTokens: 3000 }),
        '2025-10-01T00:00:00Z',
      ).amount,
    ).toBe('0.00448');
    // groq llama-3.3-70b-versatile: 1000 × 0.59 + 1000 × 0.79 = 1380 → 0.00138
    expect(
      price('groq', 'llama-3.3-70b-versatile', usage({ inputTokens: 1000, outputTokens: 1000 })).amount,
    ).toBe('0.00138');
    // together Llama 3.3 70B Turbo: 1000 × 0.88 + 1000 × 0.88 = 1760 → 0.00176
    expect(
      price(
        'together',
        'meta-llama/Llama-3.3-70B-Instruct-Turbo',
        usage({ inputTokens: 1000, outputTokens: 1000 }),
      ).amount,
    ).toBe('0.00176');
  });

  it('writes tiny and large amounts as plain decimals, trailing zeros trimmed', () => {
    // gpt-5-nano: 1 × 0.05 = 0.05 per 1M → 0.00000005 (never "5e-8")
    expect(price('openai', 'gpt-5-nano', usage({ inputTokens: 1, outputTokens: 0 })).amount).toBe(
      '0.00000005',
    );
    // o3-pro: 1e9 × 20 + 1e9 × 80 = 1e11 per 1M → 100000
    expect(price('openai', 'o3-pro', usage({ inputTokens: 1e9, outputTokens: 1e9 })).amount).toBe('100000');
    // gpt-4.1: 0 tokens → "0"
    expect(price('openai', 'gpt-4.1', usage({ inputTokens: 0, outputTokens: 0 })).amount).toBe('0');
  });

  it('rejects usage whose parts exceed their totals', () => {
    expect(() =>
      price('openai', 'gpt-4o', usage({ inputTokens: 10, cachedInputTokens: 11, outputTokens: 0 })),
    ).toThrow(RangeError);
  });
});

describe('price(): long-context tiers', () => {
  it('claude-sonnet-4-5 above 200k input tokens uses the long-context prices for the whole request', () => {
    // (250000 − 100000) × 6 + 100000 × 0.60 + 1000 × 22.50 = 900000 + 60000 + 22500 = 982500 per 1M → 0.9825
    const cost = price(
      'anthropic',
      'claude-sonnet-4-5-20250929',
      usage({ inputTokens: 250_000, cachedInputTokens: 100_000, outputTokens: 1000 }),
    );
    expect(cost).toEqual({
      amount: '0.9825',
      priceId: 'anthropic/claude-sonnet-4-5@2025-09-29#>200k',
      prices: {
        input: '6',
        output: '22.5',
        cachedInput: '0.6',
        cacheWrite: '7.5',
        reasoning: '22.5',
        tier: '>200k',
      },
    });
  });

  it('exactly 200k input tokens is still the base tier', () => {
    // 200000 × 3 = 600000 per 1M → 0.6
    const cost = price('anthropic', 'claude-sonnet-4', usage({ inputTokens: 200_000, outputTokens: 0 }));
    expect(cost.amount).toBe('0.6');
    expect(cost.priceId).toBe('anthropic/claude-sonnet-4@2025-05-14');
  });

  it('gemini-2.5-pro above 200k prompt tokens', () => {
    // 300000 × 2.50 + 2000 × 15 = 750000 + 30000 = 780000 per 1M → 0.78
    const cost = price('vertex', 'gemini-2.5-pro', usage({ inputTokens: 300_000, outputTokens: 2000 }));
    expect(cost.amount).toBe('0.78');
    expect(cost.priceId).toBe('google/gemini-2.5-pro@2025-06-17#>200k');
  });
});

describe('price(): versioned prices', () => {
  const u = usage({ inputTokens: 1000, outputTokens: 1000 });

  it('o3 before and after the 2025-06-10 price cut', () => {
    // before: 1000 × 10 + 1000 × 40 = 50000 → 0.05; after: 1000 × 2 + 1000 × 8 = 10000 → 0.01
    expect(price('openai', 'o3', u, '2025-05-01T00:00:00Z')).toMatchObject({
      amount: '0.05',
      priceId: 'openai/o3@2025-04-16',
    });
    expect(price('openai', 'o3', u, '2025-06-10T00:00:00Z')).toMatchObject({
      amount: '0.01',
      priceId: 'openai/o3@2025-06-10',
    });
  });

  it('deepseek-chat across its three price lists (one switching at 16:00 UTC)', () => {
    const d = usage({ inputTokens: 1_000_000, cachedInputTokens: 400_000, outputTokens: 100_000 });
    // 600000 × 0.27 + 400000 × 0.07 + 100000 × 1.10 = 162000 + 28000 + 110000 = 300000 per 1M → 0.3
    expect(price('deepseek', 'deepseek-chat', d, '2025-09-05T15:59:59Z').amount).toBe('0.3');
    // 600000 × 0.56 + 400000 × 0.07 + 100000 × 1.68 = 336000 + 28000 + 168000 = 532000 per 1M → 0.532
    expect(price('deepseek', 'deepseek-chat', d, '2025-09-05T16:00:00Z').amount).toBe('0.532');
    // 600000 × 0.28 + 400000 × 0.028 + 100000 × 0.42 = 168000 + 11200 + 42000 = 221200 per 1M → 0.2212
    expect(price('deepseek', 'deepseek-chat', d, '2025-10-01T00:00:00Z').amount).toBe('0.2212');
  });

  it('gpt-4o before and after its alias moved to the cheaper snapshot', () => {
    // 2024-08-01: 1000 × 5 + 1000 × 15 = 20000 → 0.02; 2024-11-01: 1000 × 2.5 + 1000 × 10 = 12500 → 0.0125
    expect(price('openai', 'gpt-4o', u, '2024-08-01T00:00:00Z').amount).toBe('0.02');
    expect(price('openai', 'gpt-4o', u, '2024-11-01T00:00:00Z').amount).toBe('0.0125');
  });

  it('a model with no entry in effect yet has no price', () => {
    expect(price('openai', 'o3', u, '2025-01-01T00:00:00Z')).toEqual({
      amount: null,
      priceId: null,
      prices: null,
    });
  });
});

describe('price(): unknown models', () => {
  it('is null, never 0', () => {
    const u = usage({ inputTokens: 1000, outputTokens: 1000 });
    expect(price('openai', 'gpt-99-ultra', u)).toEqual({ amount: null, priceId: null, prices: null });
    expect(price('some-host', 'my-finetune', u)).toEqual({ amount: null, priceId: null, prices: null });
  });
});

describe('price(): every part once', () => {
  const u = (x: Partial<Usage> & Pick<Usage, 'inputTokens' | 'outputTokens'>) => usage(x);

  it('refuses parts that add up to more than their total', () => {
    expect(() =>
      price(
        'openai',
        'gpt-audio',
        u({ inputTokens: 100, outputTokens: 1, cachedInputTokens: 60, inputAudioTokens: 50 }),
      ),
    ).toThrow(/parts of inputTokens/);
    expect(() =>
      price(
        'anthropic',
        'claude-sonnet-4',
        u({ inputTokens: 100, outputTokens: 1, cacheWriteTokens: 10, cacheWrite1hTokens: 11 }),
      ),
    ).toThrow(/part of cacheWriteTokens/);
    expect(() =>
      price(
        'openai',
        'gpt-audio',
        u({ inputTokens: 1, outputTokens: 10, reasoningTokens: 6, outputAudioTokens: 5 }),
      ),
    ).toThrow(/parts of outputTokens/);
  });

  it('a fee carries over to a service tier with its own prices', () => {
    // gpt-5 priority (2.5 / 20) plus one search at $0.01: (1000 × 2.5 + 1000 × 20) / 1M + 0.01 = 0.0325
    const cost = price(
      'openai',
      'gpt-5',
      u({ inputTokens: 1000, outputTokens: 1000, serviceTier: 'priority', webSearches: 1 }),
    );
    expect(cost).toMatchObject({ amount: '0.0325', priceId: 'openai/gpt-5@2025-08-07#priority' });
    expect(cost.prices).toMatchObject({ webSearch: '0.01', serviceTier: 'priority' });
  });

  it('a region the entry does not list pays the list price; a tier it does not list has no price', () => {
    const base = u({ inputTokens: 1000, outputTokens: 1000 });
    expect(price('anthropic', 'claude-sonnet-4-6', { ...base, region: 'eu' }).amount).toBe(
      price('anthropic', 'claude-sonnet-4-6', base).amount,
    );
    expect(price('anthropic', 'claude-sonnet-4-6', { ...base, serviceTier: 'priority' })).toEqual({
      amount: null,
      priceId: null,
      prices: null,
    });
  });
});
