import type { TaskView } from '@ledger/contract';
import type { Cost, Usage } from '@ledger/domain';
import { money } from '@ledger/money';

/** A task's fields as the fold derives them from an event's usage and cost, and its assistant message's metadata. */

export function usageFields(
  u: Usage,
): Pick<
  TaskView,
  'tokensInput' | 'tokensOutput' | 'tokensCached' | 'tokensCacheWrite' | 'tokensReasoning' | 'tokensTotal'
> {
  return {
    tokensInput: u.inputTokens,
    tokensOutput: u.outputTokens,
    tokensCached: u.cachedInputTokens,
    tokensCacheWrite: u.cacheWriteTokens,
    tokensReasoning: u.reasoningTokens,
    tokensTotal: u.totalTokens,
  };
}

export function costFields(c: Cost): Pick<TaskView, 'cost' | 'priceId'> {
  return { cost: c.amount === null ? null : money(c.amount), priceId: c.priceId };
}

export function assistantMetadata(t: TaskView): Record<string, unknown> {
  return {
    taskId: t.taskId,
    model: t.model,
    tokens: {
      input: t.tokensInput,
      output: t.tokensOutput,
      cached: t.tokensCached,
      cacheWrite: t.tokensCacheWrite,
      reasoning: t.tokensReasoning,
      total: t.tokensTotal,
    },
    cost: t.cost,
    timing: { timeToFirstTokenMs: t.timeToFirstToken, totalTimeMs: t.totalTime },
  };
}
