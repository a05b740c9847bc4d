-- Up Migration
-- Share links (docs/security.md, Sharing), projected from ShareCreated / ShareRevoked of each run's stream. Only the
-- SHA-256 of a link's token is kept: the token itself is in no table and no event. Erasing a run (RunDeleted)
-- deletes its rows. A rebuild rewrites this table from the log in its swap transaction (libs/projections).
CREATE TABLE IF NOT EXISTS run_shares (
  id          uuid PRIMARY KEY,
  run_id      uuid NOT NULL,
  user_id     uuid NOT NULL,
  token_hash  text NOT NULL UNIQUE,
  include     text[] NOT NULL DEFAULT '{}',
  created_at  timestamptz NOT NULL,
  expires_at  timestamptz NOT NULL,
  revoked_at  timestamptz
);
CREATE INDEX IF NOT EXISTS run_shares_run_idx ON run_shares (run_id, created_at);

-- The same rule as the other read models (1700000000004_owner-role.sql): the owner's listing reads its own rows
-- only; the server's token lookup runs with no user context.
GRANT SELECT ON run_shares TO ledger_reader;
ALTER TABLE run_shares ENABLE ROW LEVEL SECURITY;
ALTER TABLE run_shares FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS run_shares_owner_only ON run_shares;
CREATE POLICY run_shares_owner_only ON run_shares FOR SELECT TO ledger_reader
  USING (user_id = NULLIF(current_setting('ledger.user_id', true), '')::uuid);
DROP POLICY IF EXISTS run_shares_ledger_owner ON run_shares;
CREATE POLICY run_shares_ledger_owner ON run_shares FOR ALL TO ledger_owner
  USING (NULLIF(current_setting('ledger.user_id', true), '')::uuid IS NULL
         OR user_id = NULLIF(current_setting('ledger.user_id', true), '')::uuid)
  WITH CHECK (NULLIF(current_setting('ledger.user_id', true), '')::uuid IS NULL
         OR user_id = NULLIF(current_setting('ledger.user_id', true), '')::uuid);

-- Down Migration
DROP TABLE IF EXISTS run_shares;
