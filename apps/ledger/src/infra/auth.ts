// Moved to @ledger/runtime (shared with the CLI); this re-export keeps old imports working for one release.
export {
  CLOCK_LEEWAY_S,
  MAX_TEAMS,
  signToken,
  verifyToken,
  type Caller,
  type SignOptions,
  type TeamRole,
  type TokenPolicy,
} from '@ledger/runtime';
