export { loadPricing, createPricing, defaultPricing, type Pricing, type LoadPricingOptions } from './pricing';
export {
  builtInEntries,
  parseEntries,
  readOverridesFile,
  mergeEntries,
  importedEntries,
  IMPORTED_VERSION,
  PricingCatalogError,
} from './entries';
export { costOf, amountOf, appliedPrices, tierFor, UNPRICED } from './cost';
export { estimateUsage, countRequestTokens, encodingFor } from './estimate';
export { EntryMatcher, type MatchResult } from './match';
export { compileRule } from './match-rule';
export { normaliseProvider, normaliseModel, resolveModel, type ModelRef } from './names';
export { formatPriceTable, describeEntry } from './format';
export {
  priceEntrySchema,
  priceEntriesSchema,
  pricesSchema,
  tierLabel,
  matchRuleSchema,
  type MatchRule,
  type PriceWindow,
  type PriceEntry,
  type PriceTier,
  type Prices,
} from './price-entry';
