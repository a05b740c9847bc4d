export { createRuntime, type LedgerRuntime } from './runtime';
export { type PricingFunctions } from './pricing';
export { createLogger } from './logger';
export * from './tokens';
