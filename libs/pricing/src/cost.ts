import { Money, money } from '@ledger/money';
import type { Cost, PricesUsed, Usage } from '@ledger/domain';
import { tierLabel, type PriceEntry, type PriceTier, type Prices } from './price-entry';

/**
 * Exact cost of a usage under a catalog entry. Every part of the usage is priced once, at its own price:
 *
 *   tokens (per million):  text input, cache reads, 5-minute and 1-hour cache writes, input audio/image/video,
 *                          text output, reasoning, output audio/image/video
 *   units (per one):       web searches, grounded requests, requests
 *
 * The price set is chosen in this order: the entry's prices → a daily window's (off-peak) → a long-context tier's
 * → a service tier's (its own prices, or a multiplier) → a region's multiplier. All arithmetic is decimal.
 */

const MILLION = new Money(1_000_000);

export const UNPRICED: Cost = { amount: null, priceId: null, prices: null };

/** Service tiers that are the standard price under another name. */
const STANDARD_TIERS = new Set(['default', 'auto', 'standard', 'on_demand', 'on-demand']);

/** The tier that applies to a request: the one with the highest threshold below its input tokens. */
export function tierFor(entry: { tiers?: PriceTier[] }, inputTokens: number): PriceTier | null {
  let chosen: PriceTier | null = null;
  for (const tier of entry.tiers ?? [])
    if (
      inputTokens > tier.aboveInputTokens &&
      (chosen === null || tier.aboveInputTokens > chosen.aboveInputTokens)
    )
      chosen = tier;
  return chosen;
}

const n = (v: number | undefined) => v ?? 0;

const OPTIONAL_KEYS = [
  'cacheWrite1h',
  'inputAudio',
  'inputImage',
  'inputVideo',
  'outputAudio',
  'outputImage',
  'outputVideo',
  'webSearch',
  'grounding',
  'request',
] as const;

/** The usage count each optional price applies to (`request` applies to every task). */
const USED_BY: Readonly<Record<(typeof OPTIONAL_KEYS)[number], (u: Usage) => number>> = {
  cacheWrite1h: (u) => n(u.cacheWrite1hTokens),
  inputAudio: (u) => n(u.inputAudioTokens),
  inputImage: (u) => n(u.inputImageTokens),
  inputVideo: (u) => n(u.inputVideoTokens),
  outputAudio: (u) => n(u.outputAudioTokens),
  outputImage: (u) => n(u.outputImageTokens),
  outputVideo: (u) => n(u.outputVideoTokens),
  webSearch: (u) => n(u.webSearches),
  grounding: (u) => n(u.groundingRequests),
  request: () => 1,
};

/**
 * The prices of a price set with its defaults filled in: the five base prices always; another price when the
 * usage counts its dimension (so an event lists what priced it, and a plain usage's prices keep their old shape),
 * or every price set when no usage is given (catalog listings).
 */
export function appliedPrices(prices: Prices, tier: string | null, usage?: Usage): PricesUsed {
  const extra: Record<string, string> = {};
  for (const key of OPTIONAL_KEYS)
    if (prices[key] !== undefined && (usage === undefined || USED_BY[key](usage) > 0))
      extra[key] = prices[key] as string;
  return {
    input: prices.input,
    output: prices.output,
    cachedInput: prices.cachedInput ?? prices.input,
    cacheWrite: prices.cacheWrite ?? prices.input,
    reasoning: prices.reasoning ?? prices.output,
    ...extra,
    ...(tier !== null && { tier }),
  };
}

/** Counts that are parts of another, so their sum cannot exceed it. */
const PARTS: ReadonlyArray<{
  whole: 'inputTokens' | 'outputTokens' | 'cacheWriteTokens';
  parts(usage: Usage): number;
  what: string;
}> = [
  {
    whole: 'inputTokens',
    parts: (u) =>
      u.cachedInputTokens +
      u.cacheWriteTokens +
      n(u.inputAudioTokens) +
      n(u.inputImageTokens) +
      n(u.inputVideoTokens),
    what: 'cached, cache-write and input audio/image/video tokens are parts',
  },
  { whole: 'cacheWriteTokens', parts: (u) => n(u.cacheWrite1hTokens), what: 'cacheWrite1hTokens is a part' },
  {
    whole: 'outputTokens',
    parts: (u) =>
      u.reasoningTokens + n(u.outputAudioTokens) + n(u.outputImageTokens) + n(u.outputVideoTokens),
    what: 'reasoning and output audio/image/video tokens are parts',
  },
];

function checkUsage(usage: Usage): void {
  const counts = [
    usage.inputTokens,
    usage.outputTokens,
    usage.cachedInputTokens,
    usage.cacheWriteTokens,
    usage.reasoningTokens,
    n(usage.cacheWrite1hTokens),
    n(usage.inputAudioTokens),
    n(usage.inputImageTokens),
    n(usage.inputVideoTokens),
    n(usage.outputAudioTokens),
    n(usage.outputImageTokens),
    n(usage.outputVideoTokens),
    n(usage.webSearches),
    n(usage.groundingRequests),
    n(usage.requests),
  ];
  if (!counts.every((c) => Number.isSafeInteger(c) && c >= 0))
    throw new RangeError('pricing: token counts must be non-negative integers');
  for (const { whole, parts, what } of PARTS)
    if (parts(usage) > usage[whole])
      throw new RangeError(`pricing: ${what} of ${whole} and cannot exceed it`);
}

/**
 * The amount in USD of `usage` at `prices` (tokens per million, units per one), or null when the usage has a
 * unit (a web search, a grounded request) the prices do not price.
 */
export function amountOf(usage: Usage, prices: PricesUsed): string | null {
  checkUsage(usage);
  const cw1h = n(usage.cacheWrite1hTokens);
  const inMedia = n(usage.inputAudioTokens) + n(usage.inputImageTokens) + n(usage.inputVideoTokens);
  const outMedia = n(usage.outputAudioTokens) + n(usage.outputImageTokens) + n(usage.outputVideoTokens);
  const tokens: [number, string | undefined][] = [
    [usage.inputTokens - usage.cachedInputTokens - usage.cacheWriteTokens - inMedia, prices.input],
    [usage.cachedInputTokens, prices.cachedInput],
    [usage.cacheWriteTokens - cw1h, prices.cacheWrite],
    [cw1h, prices.cacheWrite1h ?? prices.cacheWrite],
    [n(usage.inputAudioTokens), prices.inputAudio ?? prices.input],
    [n(usage.inputImageTokens), prices.inputImage ?? prices.input],
    [n(usage.inputVideoTokens), prices.inputVideo ?? prices.input],
    [usage.outputTokens - usage.reasoningTokens - outMedia, prices.output],
    [usage.reasoningTokens, prices.reasoning],
    [n(usage.outputAudioTokens), prices.outputAudio ?? prices.output],
    [n(usage.outputImageTokens), prices.outputImage ?? prices.output],
    [n(usage.outputVideoTokens), prices.outputVideo ?? prices.output],
  ];
  let perMillion = new Money(0);
  for (const [count, price] of tokens)
    if (count > 0) perMillion = perMillion.plus(new Money(count).times(price ?? '0'));
  let total = perMillion.dividedBy(MILLION);
  const units: [number, string | undefined][] = [
    [n(usage.webSearches), prices.webSearch],
    [n(usage.groundingRequests), prices.grounding],
  ];
  for (const [count, price] of units) {
    if (count === 0) continue;
    if (price === undefined) return null;
    total = total.plus(new Money(count).times(price));
  }
  // A per-request fee is charged once per task unless the usage counts the requests.
  if (prices.request !== undefined) total = total.plus(new Money(usage.requests ?? 1).times(prices.request));
  return money(total);
}

function scaled(prices: Prices, multiplier: string): Prices {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(prices))
    if (value !== undefined) out[key] = money(new Money(value).times(multiplier));
  return out as Prices;
}

function minutesOfDay(at: string): number {
  const d = new Date(at);
  return d.getUTCHours() * 60 + d.getUTCMinutes();
}

function inWindow(from: string, to: string, minute: number): boolean {
  const [f, t] = [from, to].map((s) => Number(s.slice(0, 2)) * 60 + Number(s.slice(3, 5)));
  return f <= t ? minute >= f && minute < t : minute >= f || minute < t;
}

/** Fees are per use, not per token: a window, tier or service tier that does not name them keeps the entry's. */
const FEES = ['webSearch', 'grounding', 'request'] as const;
function withFees(prices: Prices, base: Prices): Prices {
  const out: Prices = { ...prices };
  for (const key of FEES) if (out[key] === undefined && base[key] !== undefined) out[key] = base[key];
  return out;
}

/** How a price set was chosen: its labels go into the priceId (`…#offpeak#>200k#batch#us`). */
export interface PriceContext {
  /** The ISO time of the call (for daily windows). */
  readonly at: string;
  /** A region implied by the model id (Bedrock `us.` prefix), used when the usage names none. */
  readonly region?: string | null;
}

/** The cost of `usage` under `entry`, with the priceId and every price applied. */
export function costOf(entry: PriceEntry, usage: Usage, context?: PriceContext): Cost {
  const labels: string[] = [];
  const marks: Record<string, string> = {};
  let prices: Prices = entry.prices;

  const window =
    context === undefined
      ? undefined
      : entry.windows?.find((w) => inWindow(w.from, w.to, minutesOfDay(context.at)));
  if (window) {
    prices = withFees(window.prices, entry.prices);
    labels.push(window.name);
    marks.window = window.name;
  }
  const tier = tierFor(entry, usage.inputTokens);
  if (tier) {
    prices = withFees(tier.prices, prices);
    labels.push(tierLabel(tier));
  }
  const serviceTier = usage.serviceTier?.toLowerCase();
  if (serviceTier !== undefined && !STANDARD_TIERS.has(serviceTier)) {
    const st = entry.serviceTiers?.[serviceTier];
    if (!st) return UNPRICED; // a tier the catalog does not know is not billed at the standard price
    prices = st.prices ? withFees(st.prices, prices) : scaled(prices, st.multiplier as string);
    labels.push(serviceTier);
    marks.serviceTier = serviceTier;
  }
  const region = (usage.region ?? context?.region ?? undefined)?.toLowerCase();
  const uplift = region === undefined ? undefined : entry.regions?.[region];
  if (region !== undefined && uplift !== undefined) {
    prices = scaled(prices, uplift);
    labels.push(region);
    marks.region = region;
    marks.regionMultiplier = uplift;
  }
  const applied = { ...appliedPrices(prices, tier ? tierLabel(tier) : null, usage), ...marks };
  const amount = amountOf(usage, applied);
  if (amount === null) return UNPRICED;
  return {
    amount,
    priceId: [entry.id, ...labels].join('#'),
    prices: applied,
  };
}
