// Operator use cases the server and the CLI both run (retention passes, budget streams, the run write path and its
// one retry policy): a lib, so neither app imports the other (.dependency-cruiser.cjs, no-app-to-app).
export { BudgetStreams } from './budget-streams';
export { parseDays, policyFromConfig } from './retention-config';
export * from './retention';
export { loadRunState, readMissing, writeHandled } from './run-stream';
export { handleRunCommand, operatorRequest, type RunCommandOptions } from './run-command';
