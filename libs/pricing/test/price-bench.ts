/**
 * How long the command side spends pricing a task (strict matching over every layer, then the decimal cost).
 * Run: npx ts-node -r tsconfig-paths/register libs/pricing/test/price-bench.ts [calls]
 */
import { defaultPricing } from '../src';

const pricing = defaultPricing();
const ids: [string, string][] = [
  ['openai', 'gpt-4o-2024-08-06'],
  ['anthropic', 'claude-sonnet-4-20250514'],
  ['bedrock', 'us.anthropic.claude-sonnet-4-20250514-v1:0'],
  ['google', 'gemini-3.1-pro-preview'],
  ['openai', 'gpt-99'],
  ['deepseek', 'deepseek-v4-pro'],
];
const usage = {
  inputTokens: 12_000,
  outputTokens: 800,
  cachedInputTokens: 4000,
  cacheWriteTokens: 0,
  reasoningTokens: 0,
  totalTokens: 12_800,
};
const calls = Number(process.argv[2] ?? 60_000);
for (let i = 0; i < 1000; i++)
  pricing.price({ provider: 'openai', model: 'gpt-4o', usage, at: '2026-11-24T12:00:00Z' });
const started = process.hrtime.bigint();
for (let i = 0; i < calls; i++) {
  const [provider, model] = ids[i % ids.length];
  pricing.price({ provider, model, usage, at: '2026-11-24T12:00:00Z' });
}
const ms = Number(process.hrtime.bigint() - started) / 1e6;
process.stdout.write(
  `${calls} price() calls in ${ms.toFixed(0)} ms: ${((ms * 1000) / calls).toFixed(1)} µs per call over ${pricing.list().length} entries\n`,
);
