export { createEventStore, createRuntime, type LedgerRuntime } from './runtime';
export { createLogger } from './logger';
export * from './tokens';
