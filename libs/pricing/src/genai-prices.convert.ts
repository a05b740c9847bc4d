import { findProvider, type ModelInfo, type ModelPrice, type TieredPrices } from '@pydantic/genai-prices';
import { Money } from '@ledger/money';
import type { MatchRule, PriceEntry, Prices, PriceTier, PriceWindow } from './price-entry';

/**
 * The conversion of pydantic's genai-prices data (floats, per-key tiers, start-date and time-of-day constraints)
 * into catalog entries (decimal strings, whole-request tiers, effectiveFrom and daily windows). Used by the import
 * script and by the test that checks the committed JSON against the pinned package; never at run time.
 */

export const GENAI_PRICES_VERSION = '0.1.8';
/** The publish date of that version: the date its data was last checked. */
export const GENAI_PRICES_DATE = '2026-09-23';
/** Models with no date of their own apply from this date (genai-prices does not record launch dates). */
const NO_DATE = '2023-01-01';

/** genai-prices provider id → the ledger's provider. Bedrock and Vertex Claude resolve to anthropic's entries. */
const PROVIDERS: Readonly<Record<string, string>> = {
  openai: 'openai',
  anthropic: 'anthropic',
  google: 'google',
  'x-ai': 'xai',
  mistral: 'mistral',
  deepseek: 'deepseek',
};

/** The units whose genai-prices name is not the snake case of ours. */
const UNIT_NAMES: Readonly<Record<string, keyof Prices>> = {
  cache_read: 'cachedInput',
  web_searches: 'webSearch',
  requests: 'request',
};
/** The prices converted; any other the data has is reported as ignored. */
const CONVERTED: ReadonlySet<string> = new Set([
  ...['input', 'output', 'cachedInput', 'cacheWrite', 'cacheWrite1h', 'webSearch', 'request'],
  ...['inputAudio', 'outputAudio', 'inputImage', 'outputImage', 'inputVideo', 'outputVideo'],
]);

/**
 * Our price for one of genai-prices' names: `<unit>_mtok` is USD per million tokens (as ours), `<unit>_kcount`
 * per thousand units (ours are per unit, so `per` is 1000). Undefined for a price we do not convert.
 */
function targetOf(name: string): { key: keyof Prices; per: number } | undefined {
  const m = /^(.+)_(mtok|kcount)$/.exec(name);
  if (!m) return undefined;
  const key = UNIT_NAMES[m[1]] ?? m[1].replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
  return CONVERTED.has(key) ? { key: key as keyof Prices, per: m[2] === 'kcount' ? 1000 : 1 } : undefined;
}

/** A float of the data as the shortest decimal string that reads back as that float (0.075 → "0.075"). */
function dec(value: number, per: number): string {
  return new Money(String(value)).dividedBy(per).toFixed();
}

interface Converted {
  prices: Prices;
  tiers: PriceTier[];
  ignored: string[];
}

function convertPrices(price: ModelPrice): Converted | null {
  const flat: Record<string, string> = {};
  const thresholds = new Set<number>();
  const ignored: string[] = [];
  for (const [k, v] of Object.entries(price)) {
    if (v === undefined) continue;
    const target = targetOf(k);
    if (!target) {
      ignored.push(k);
      continue;
    }
    if (typeof v === 'number') flat[target.key] = dec(v, target.per);
    else {
      flat[target.key] = dec((v as TieredPrices).base, target.per);
      for (const t of (v as TieredPrices).tiers) thresholds.add(t.start);
    }
  }
  if (flat.input === undefined || flat.output === undefined) return null;
  const tiers: PriceTier[] = [...thresholds]
    .sort((a, b) => a - b)
    .map((start) => {
      const prices: Record<string, string> = {};
      for (const [k, v] of Object.entries(price)) {
        const target = targetOf(k);
        if (!target || v === undefined) continue;
        if (typeof v === 'number') prices[target.key] = dec(v, target.per);
        else {
          let p = (v as TieredPrices).base;
          for (const t of (v as TieredPrices).tiers) if (start >= t.start) p = t.price;
          prices[target.key] = dec(p, target.per);
        }
      }
      return { aboveInputTokens: start, prices: prices as Prices };
    });
  return { prices: flat as Prices, tiers, ignored };
}

/** A dated snapshot or alias suffix that may follow a prefix: `-2025-08-07`, `-20250514`, `-0709`, `-001`, `-latest`, `-preview-09-2025`. */
const SUFFIX = '(?:-preview)?(?:-(?:\\d{4}-\\d{2}-\\d{2}|\\d{8}|\\d{2}-\\d{4}|\\d{3,4}|latest))?';

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Tightens genai-prices' `starts_with` rules: a prefix matches the id itself or the id followed by one dated
 * snapshot or alias suffix, never a longer id (`claude-sonnet-4-5-turbo` is not `claude-sonnet-4-5`).
 */
export function strictRule(rule: MatchRule): MatchRule {
  if ('starts_with' in rule) return { regex: `^${escape(rule.starts_with.replace(/-$/, ''))}${SUFFIX}$` };
  if ('or' in rule) return { or: rule.or.map(strictRule) };
  if ('and' in rule) return { and: rule.and.map(strictRule) };
  return rule;
}

export interface GenaiPricesData {
  package: '@pydantic/genai-prices';
  version: string;
  checkedAt: string;
  entries: PriceEntry[];
  skipped: string[];
}

function convertModel(provider: string, source: string, model: ModelInfo, skipped: string[]): PriceEntry[] {
  const conditional = Array.isArray(model.prices) ? model.prices : [{ prices: model.prices }];
  const windows: PriceWindow[] = [];
  const dated: { from: string; converted: Converted }[] = [];
  for (const c of conditional) {
    const converted = convertPrices(c.prices);
    if (converted === null) {
      skipped.push(`${provider}/${model.id}: no input and output token prices`);
      return [];
    }
    const constraint = c.constraint;
    if (constraint === undefined) dated.push({ from: NO_DATE, converted });
    else if (constraint.type === 'start_date') dated.push({ from: constraint.start_date, converted });
    else
      windows.push({
        name: `window-${constraint.start_time.slice(0, 2)}${constraint.start_time.slice(3, 5)}`,
        from: constraint.start_time.slice(0, 5),
        to: constraint.end_time.slice(0, 5),
        prices: converted.prices,
      });
  }
  return dated.map(({ from, converted }) => {
    const ignored = converted.ignored.length ? ` Not expressed: ${converted.ignored.join(', ')}.` : '';
    return {
      id: `genai-prices/${provider}/${model.id}@${from}`,
      provider,
      model: model.id,
      rule: strictRule(model.match as MatchRule),
      effectiveFrom: from,
      checkedAt: GENAI_PRICES_DATE,
      source,
      prices: converted.prices,
      ...(converted.tiers.length > 0 && { tiers: converted.tiers }),
      ...(windows.length > 0 && { windows }),
      notes: `Imported from @pydantic/genai-prices@${GENAI_PRICES_VERSION}.${ignored}`,
    } as PriceEntry;
  });
}

export function convertGenaiPrices(): GenaiPricesData {
  const entries: PriceEntry[] = [];
  const skipped: string[] = [];
  for (const [id, provider] of Object.entries(PROVIDERS)) {
    const data = findProvider({ providerId: id });
    if (!data) throw new Error(`genai-prices has no provider "${id}"`);
    const source = data.pricing_urls?.[0] ?? 'https://github.com/pydantic/genai-prices';
    for (const model of data.models) {
      // Claude on Vertex is priced from anthropic's entries (the list price); see names.ts.
      if (provider === 'google' && model.id.startsWith('claude')) continue;
      entries.push(...convertModel(provider, source, model, skipped));
    }
  }
  return {
    package: '@pydantic/genai-prices',
    version: GENAI_PRICES_VERSION,
    checkedAt: GENAI_PRICES_DATE,
    entries,
    skipped,
  };
}
