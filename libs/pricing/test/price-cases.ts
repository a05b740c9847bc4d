import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The table of priced cases (price-cases.json): (provider, model id, call time, usage) → exact cost, with the
 * published prices each expected amount was computed from (by hand, independently of the ledger's code) and their
 * source. Generated once and reviewed; `prices` is what the source publishes for that case, not what the catalog
 * holds.
 */
export interface PriceCase {
  provider: string;
  model: string;
  at: string;
  usage: Record<string, number | string>;
  /** The published prices used (USD per 1M tokens; fees per unit), null when no price applies. */
  prices: Record<string, string> | null;
  amount: string | null;
  priceId: string | null;
  source: string;
  why: string;
}

export const PRICE_CASES: PriceCase[] = JSON.parse(
  readFileSync(path.join(__dirname, 'price-cases.json'), 'utf8'),
) as PriceCase[];
