// Operator use cases the server and the CLI both run (retention passes, budget streams): a lib, so neither app
// imports the other (.dependency-cruiser.cjs, no-app-to-app).
export { BudgetStreams } from './budget-streams';
export { parseDays, policyFromConfig } from './retention-config';
export * from './retention';
