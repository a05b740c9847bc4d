import { z } from 'zod';

/** One catalog entry: the published prices of one model, in effect from a date. Validated for built-ins and overrides alike. */

/** A non-negative decimal written as a string: "2.5", "0.075", "15". No exponent, no sign. */
const decimal = z
  .string()
  .regex(/^(0|[1-9]\d*)(\.\d+)?$/, 'must be a decimal string such as "2.5" or "0.075"');

const isoDate = /^\d{4}-\d{2}-\d{2}$/;
const isoDateTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

const moment = z
  .string()
  .refine((s) => (isoDate.test(s) || isoDateTime.test(s)) && !Number.isNaN(Date.parse(s)), {
    message: 'must be an ISO date (2025-06-10) or date-time with a zone (2025-09-05T16:00:00Z)',
  });

const checkedAt = z.string().refine((s) => isoDate.test(s) && !Number.isNaN(Date.parse(s)), {
  message: 'must be an ISO date (2026-11-24)',
});

/** Token prices are USD per million tokens; fees are USD per one unit (one search, one request). */
export const pricesSchema = z.strictObject({
  input: decimal,
  output: decimal,
  /** Cache reads (OpenAI cached input, Anthropic cache read, Gemini context cache). Defaults to `input`. */
  cachedInput: decimal.optional(),
  /** Cache writes with the 5-minute TTL (Anthropic's default). Defaults to `input`. */
  cacheWrite: decimal.optional(),
  /** Cache writes with the 1-hour TTL. Defaults to `cacheWrite`. */
  cacheWrite1h: decimal.optional(),
  /** Reasoning/thinking tokens. Defaults to `output`. */
  reasoning: decimal.optional(),
  /** Audio, image and video parts of the input and output. Each defaults to the text price of its side. */
  inputAudio: decimal.optional(),
  inputImage: decimal.optional(),
  inputVideo: decimal.optional(),
  outputAudio: decimal.optional(),
  outputImage: decimal.optional(),
  outputVideo: decimal.optional(),
  /** USD per web search (a tool call billed per use). No default: a search without a price is unpriced. */
  webSearch: decimal.optional(),
  /** USD per grounded request (Gemini grounding with Google Search). No default. */
  grounding: decimal.optional(),
  /** USD per request, charged on every call of the model. Defaults to 0. */
  request: decimal.optional(),
});

export const tierSchema = z.strictObject({
  /** The tier applies when the request's inputTokens (cached and cache-write parts included) exceed this. */
  aboveInputTokens: z.number().int().positive(),
  /** Label used in priceId (`…#>200k`); defaults to `>` + the threshold in thousands. */
  name: z
    .string()
    .regex(/^[^\s#]+$/, 'must be a short label without spaces or "#"')
    .optional(),
  prices: pricesSchema,
});

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a UTC time HH:MM');

/** A daily window (UTC) with its own prices, e.g. DeepSeek's off-peak hours. `to` before `from` wraps midnight. */
export const windowSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9-]+$/, 'must be a short lower-case label'),
  from: hhmm,
  to: hhmm,
  prices: pricesSchema,
});

/** A named service tier (OpenAI flex/priority/batch, Anthropic batch): its own prices, or a multiplier of the standard ones. */
export const serviceTierSchema = z
  .strictObject({ prices: pricesSchema.optional(), multiplier: decimal.optional() })
  .refine((t) => (t.prices === undefined) !== (t.multiplier === undefined), {
    message: 'give prices or multiplier, one of them',
  });

/** A match rule, as in pydantic's genai-prices: anchored by construction (equals/starts_with/ends_with, or a regex). */
export type MatchRule =
  | { equals: string }
  | { starts_with: string }
  | { ends_with: string }
  | { contains: string }
  | { regex: string }
  | { or: MatchRule[] }
  | { and: MatchRule[] };
export const matchRuleSchema: z.ZodType<MatchRule> = z.lazy(() =>
  z.union([
    z.strictObject({ equals: z.string().min(1) }),
    z.strictObject({ starts_with: z.string().min(1) }),
    z.strictObject({ ends_with: z.string().min(1) }),
    z.strictObject({ contains: z.string().min(1) }),
    z.strictObject({
      regex: z.string().refine(
        (s) => {
          try {
            new RegExp(s);
            return true;
          } catch {
            return false;
          }
        },
        { message: 'must be a valid regular expression' },
      ),
    }),
    z.strictObject({ or: z.array(matchRuleSchema).min(1) }),
    z.strictObject({ and: z.array(matchRuleSchema).min(1) }),
  ]),
);

export const priceEntrySchema = z
  .strictObject({
    /** Stable id, conventionally `provider/model@effectiveFrom`. An override with the same id replaces the built-in entry. */
    id: z.string().min(1),
    provider: z.string().min(1),
    model: z.string().min(1),
    /** Other exact ids of the model (`gpt-4o-2024-08-06`), or anchored globs with `*` (`my-deployment-*`). */
    match: z.array(z.string().min(1)).optional(),
    /** A structured rule (genai-prices' format); used by the imported data. */
    rule: matchRuleSchema.optional(),
    effectiveFrom: moment,
    /** The entry stops applying at this moment (exclusive). */
    effectiveTo: moment.optional(),
    checkedAt,
    source: z.url({ protocol: /^https?$/, error: 'must be the http(s) URL of the published price' }),
    prices: pricesSchema,
    tiers: z.array(tierSchema).optional(),
    windows: z.array(windowSchema).optional(),
    serviceTiers: z.record(z.string().regex(/^[a-z0-9_-]+$/), serviceTierSchema).optional(),
    /** Uplifts by region or data residency (`us`, `eu`, `regional`): a multiplier of every price. */
    regions: z.record(z.string().regex(/^[a-z0-9_-]+$/), decimal).optional(),
    notes: z.string().optional(),
  })
  .refine((e) => e.effectiveTo === undefined || Date.parse(e.effectiveTo) > Date.parse(e.effectiveFrom), {
    message: 'effectiveTo must be after effectiveFrom',
    path: ['effectiveTo'],
  });

export const priceEntriesSchema = z.array(priceEntrySchema);

export type Prices = z.infer<typeof pricesSchema>;
export type PriceTier = z.infer<typeof tierSchema>;
export type PriceWindow = z.infer<typeof windowSchema>;
export type PriceEntry = z.infer<typeof priceEntrySchema>;

/** The label of a tier in a priceId: its name, or `>200k` for 200 000 tokens. */
export function tierLabel(tier: PriceTier): string {
  if (tier.name) return tier.name;
  const n = tier.aboveInputTokens;
  if (n % 1_000_000 === 0) return `>${n / 1_000_000}m`;
  if (n % 1000 === 0) return `>${n / 1000}k`;
  return `>${n}`;
}
