// Moved to @ledger/runtime (shared with the CLI); this re-export keeps old imports working for one release.
export { createRuntime, type LedgerRuntime } from '@ledger/runtime';
