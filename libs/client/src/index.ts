export { connectLedger, LedgerClient } from './ledger-client';
export { LedgerRun } from './run';
export { LedgerTask, describeError, type RecordableTask } from './task';
export { ReplayStream } from './replay';
export {
  toAnthropicMessages,
  toOpenAIMessages,
  toResumeMessages,
  type AnthropicMessage,
  type OpenAIChatMessage,
  type ResumeMessages,
  type ResumedRun,
} from './resume';
export { BudgetExceededError, LedgerClientError } from './errors';
export { recordOpenAIStream, normalizeOpenAIUsage } from './providers/openai';
export { recordAnthropicStream, normalizeAnthropicUsage } from './providers/anthropic';
export * from './types';
