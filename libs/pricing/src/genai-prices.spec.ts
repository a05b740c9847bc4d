import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { calcPrice } from '@pydantic/genai-prices';
import imported from './genai-prices.json';
import { convertGenaiPrices, GENAI_PRICES_VERSION } from './genai-prices.convert';
import { PRICE_CASES } from '../test/price-cases';
import { defaultPricing } from './pricing';

/**
 * The imported layer is the pinned @pydantic/genai-prices data, converted: the committed JSON must be exactly what
 * the conversion gives for the installed version (run libs/pricing/scripts/import-genai-prices.ts after a bump), and
 * the ledger's exact amounts must agree with genai-prices' own calculator on the cases it prices.
 */
describe('imported genai-prices data', () => {
  it('is the conversion of the pinned package version', () => {
    const file = join(
      __dirname,
      '..',
      '..',
      '..',
      'node_modules',
      '@pydantic',
      'genai-prices',
      'package.json',
    );
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { version: string };
    expect(pkg.version).toBe(GENAI_PRICES_VERSION);
    expect(imported).toEqual(JSON.parse(JSON.stringify(convertGenaiPrices())));
  });

  const PROVIDER_IDS: Record<string, string> = {
    openai: 'openai',
    anthropic: 'anthropic',
    google: 'google',
    xai: 'x-ai',
    mistral: 'mistral',
  };
  const KEYS: Record<string, string> = {
    inputTokens: 'input_tokens',
    outputTokens: 'output_tokens',
    cachedInputTokens: 'cache_read_tokens',
    cacheWriteTokens: 'cache_write_tokens',
    inputAudioTokens: 'input_audio_tokens',
    outputAudioTokens: 'output_audio_tokens',
    inputImageTokens: 'input_image_tokens',
    outputImageTokens: 'output_image_tokens',
    inputVideoTokens: 'input_video_tokens',
    outputVideoTokens: 'output_video_tokens',
  };
  const comparable = PRICE_CASES.filter(
    (c) =>
      c.priceId?.startsWith('genai-prices/') &&
      Object.keys(c.usage).every((k) => k in KEYS) &&
      PROVIDER_IDS[c.priceId.split('/')[1]] !== undefined,
  );

  it.each(comparable.map((c) => [`${c.model} @ ${c.at}`, c] as const))(
    'agrees with genai-prices calcPrice: %s',
    (_name, c) => {
      const usage: Record<string, number> = {};
      for (const [k, v] of Object.entries(c.usage)) usage[KEYS[k]] = v as number;
      // The ledger's audio and image parts are uncached input: nothing of them is a cache read.
      usage.cache_audio_read_tokens = 0;
      usage.cache_image_read_tokens = 0;
      const theirs = calcPrice(usage, c.model.replace(/^[a-z-]+\//, ''), {
        providerId: PROVIDER_IDS[c.priceId!.split('/')[1]],
        timestamp: new Date(c.at),
      });
      const ours = defaultPricing().price({
        provider: c.provider,
        model: c.model,
        at: c.at,
        usage: {
          cachedInputTokens: 0,
          cacheWriteTokens: 0,
          reasoningTokens: 0,
          ...(c.usage as Record<string, number>),
          totalTokens: (c.usage.inputTokens as number) + (c.usage.outputTokens as number),
        } as never,
      });
      expect(theirs).not.toBeNull();
      expect(Math.abs(Number(ours.amount) - theirs!.total_price)).toBeLessThan(1e-12);
    },
  );
});
