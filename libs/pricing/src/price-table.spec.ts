import type { Usage } from '@ledger/domain';
import { PRICE_CASES, type PriceCase } from '../test/price-cases';
import { defaultPricing } from './pricing';

/**
 * (provider, model id, call time, usage) → exact cost, for every provider and dimension: snapshots before and after
 * price changes, service tiers, cache-write TTLs, audio/image/video, fees, regions, off-peak windows, long-context
 * tiers, Vertex/Bedrock/gateway ids and unknown ids (null). Each expected amount was computed from the published
 * prices written in the case.
 */
const pricing = defaultPricing();

function usageOf(u: PriceCase['usage']): Usage {
  const input = u.inputTokens as number;
  const output = u.outputTokens as number;
  return {
    cachedInputTokens: 0,
    cacheWriteTokens: 0,
    reasoningTokens: 0,
    ...u,
    inputTokens: input,
    outputTokens: output,
    totalTokens: input + output,
  } as Usage;
}

function check(c: PriceCase): void {
  const cost = pricing.price({ provider: c.provider, model: c.model, at: c.at, usage: usageOf(c.usage) });
  expect({ amount: cost.amount, priceId: cost.priceId }).toEqual({ amount: c.amount, priceId: c.priceId });
  if (c.prices === null) {
    expect(cost.prices).toBeNull();
    return;
  }
  // The published prices of the case are the prices the ledger applied (an optional price is listed in the cost
  // only when the usage counts its dimension).
  expect([cost.prices?.input, cost.prices?.output]).toEqual([c.prices.input, c.prices.output]);
  for (const [key, value] of Object.entries(c.prices))
    if (cost.prices?.[key] !== undefined) expect([key, cost.prices[key]]).toEqual([key, value]);
}

const name = (c: PriceCase) => `${c.provider} ${c.model} @ ${c.at}${c.why ? ` (${c.why})` : ''}`;

describe('price table', () => {
  it('has at least 150 cases covering every provider', () => {
    expect(PRICE_CASES.length).toBeGreaterThanOrEqual(150);
    const providers = new Set(PRICE_CASES.map((c) => c.priceId?.split('/')[0]));
    for (const p of [
      'openai',
      'anthropic',
      'google',
      'xai',
      'mistral',
      'deepseek',
      'groq',
      'together',
      'genai-prices',
    ])
      expect(providers).toContain(p);
  });

  it.each(PRICE_CASES.map((c) => [name(c), c] as const))('%s', (_name, c) => check(c));
});
