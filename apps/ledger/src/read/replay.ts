// Moved to @ledger/replay (shared with the CLI); this re-export keeps old imports working for one release.
export * from '@ledger/replay';
