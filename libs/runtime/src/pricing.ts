import type { LedgerConfig } from '@ledger/config';
import { loadPricing } from '@ledger/pricing';
import type { PricingFunctions } from '../write/run-writer';

/** The price catalog (with the operator's overrides file, if any) and the token estimator the command side uses. */
export function createPricing(config: LedgerConfig): PricingFunctions {
  const pricing = loadPricing({ overridesFile: config.LEDGER_PRICES_FILE });
  return { price: (r) => pricing.price(r), estimate: (r) => pricing.estimate(r) };
}
