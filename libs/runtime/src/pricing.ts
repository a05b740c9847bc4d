import type { LedgerConfig } from '@ledger/config';
import type { PricingFunctions } from '@ledger/domain';
import { loadPricing } from '@ledger/pricing';

/** The price catalog (with the operator's overrides file, if any) and the token estimator the command side uses. */
export function loadPricingFunctions(config: LedgerConfig): PricingFunctions {
  const pricing = loadPricing({ overridesFile: config.LEDGER_PRICES_FILE });
  return { price: (r) => pricing.price(r), estimate: (r) => pricing.estimate(r) };
}
