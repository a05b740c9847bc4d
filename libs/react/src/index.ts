export { LedgerProvider, useLedger, type LedgerApi, type LedgerProviderProps } from './context';
export { RunsList, type RunsListProps } from './runs-list';
export { RunsFilters } from './runs-filters';
export { RunView, type RunViewProps } from './run-view';
export { Json, TaskCard } from './task-card';
export { ReplayPlayer } from './replay-player';
export { Waterfall } from './waterfall';
export { UsageSummary, type UsageSummaryProps } from './usage-summary';
export { BudgetSummary, describeBudgetAlert, type BudgetSummaryProps } from './budget-summary';
export { Markdown } from './markdown';
export { useRuns, matchesFilter, runModels, type RunsFilter, type RunsState } from './use-runs';
export { useRun, mergeTask, type RunState } from './use-run';
export { useReplay, EAGER_REPLAY_EVENTS, REPLAY_SPEEDS, type ReplayState } from './use-replay';
export { useUsage, type UsageQuery, type UsageState } from './use-usage';
export { useBudget, type Budget, type BudgetAlert, type BudgetOptions, type BudgetState } from './use-budget';
export {
  applyFrame,
  dueTimes,
  emptyFold,
  framesToJsonl,
  waterfall,
  MAX_IDLE_GAP_MS,
  type ReplayFold,
  type ReplayTask,
  type WaterfallLane,
} from './replay-fold';
export { runToOtlp } from './export';
export { useLedgerStyles } from './styles';
export { formatCost, formatMs, formatTokens, formatTime } from './format';
export { sharedRunLedger, type SharedRunData } from './share-ledger';
