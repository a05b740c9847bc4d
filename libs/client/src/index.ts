export { connectLedger, LedgerClient } from './ledger-client';
export { LedgerRun } from './run';
export { LedgerTask, describeError, type RecordableTask } from './task';
export { ReplayStream } from './replay';
export { BudgetExceededError, LedgerClientError } from './errors';
export { recordOpenAIStream, normalizeOpenAIUsage } from './providers/openai';
export { recordAnthropicStream, normalizeAnthropicUsage } from './providers/anthropic';
export * from './types';
