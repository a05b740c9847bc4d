export { evolveRunView, foldRunView, isUnpriced, RunViewFoldError, type RunViewModel } from './run-view.fold';
export { rowToRun, rowToTask, runToRow, taskToRow, serialiseView, viewFromRows } from './run-view.rows';
export { Projector, type ProjectorChange, type ProjectorLogger, type ProjectorOptions } from './projector';
export { diffBatch, foldBatch, type TextAppend } from './run-view.batch';
export { grownText } from './flat-text';
export {
  readCheckpoints,
  writeChanges,
  LIVE_TABLES,
  type Checkpoint,
  type CheckpointState,
} from './projector.sql';
export { projectionStatus, type LiveProjection } from './status';
export { readQuarantine, type QuarantinedRun } from './quarantine.sql';
export {
  NotQuarantined,
  retryQuarantined,
  skipQuarantined,
  type QuarantineActionOptions,
} from './quarantine';
export {
  getRun,
  listRuns,
  modelsOfRuns,
  searchPattern,
  usageSummary,
  encodeCursor,
  decodeCursor,
  InvalidCursor,
  type ListRunsOptions,
  type UsageSummaryOptions,
} from './queries';
export { runAt, type RunAtOptions, type RunAtResult } from './run-at';
export { rebuild, type RebuildOptions, type RebuildResult } from './rebuild';
export { verify, type Mismatch, type VerifyOptions } from './verify';
export * from './user-scope';
export { periodSpend, type PeriodSpend } from './budget-spend';
export {
  findOpenShare,
  listShares,
  projectShares,
  replaceShares,
  shareEvents,
  type OpenShare,
} from './shares.projection';
