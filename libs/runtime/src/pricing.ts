import type { LedgerConfig } from '@ledger/config';
import type { DecideContext } from '@ledger/domain';
import { loadPricing } from '@ledger/pricing';

/** What the command side prices with: the catalog's price lookup and the token estimator. */
export type PricingFunctions = Pick<DecideContext, 'price' | 'estimate'>;

/** The price catalog (with the operator's overrides file, if any) and the token estimator the command side uses. */
export function loadPricingFunctions(config: LedgerConfig): PricingFunctions {
  const pricing = loadPricing({ overridesFile: config.LEDGER_PRICES_FILE });
  return { price: (r) => pricing.price(r), estimate: (r) => pricing.estimate(r) };
}
