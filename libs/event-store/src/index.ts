export * from './event-store.port';
export * from './postgres/postgres-event-store';
export * from './eventstoredb/eventstoredb-event-store';
export * from './copy';
export { CONFLICT_RETRY, isRevisionConflict, retryOnConflict } from './conflict-retry';
export { logBatches, scanLog } from './log-scan';
