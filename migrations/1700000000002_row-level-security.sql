-- Up Migration
-- Defense in depth for the read models: queries run as the role ledger_reader with the caller's user id in
-- the transaction setting `ledger.user_id`, and row-level security shows that role only that user's rows, so
-- a query that forgets its WHERE user_id = … still cannot leak another user's runs. The projector writes as
-- the tables' owner (RLS does not apply to owners unless forced), so it is unaffected.
DO $$
BEGIN
  -- Checked first: a login that may not create roles finds it made by a DBA (docs/security.md, Deployment).
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ledger_reader') THEN
    CREATE ROLE ledger_reader NOLOGIN;
  END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END $$;

DO $$
BEGIN
  IF NOT pg_has_role(current_user, 'ledger_reader', 'MEMBER') THEN
    EXECUTE format('GRANT ledger_reader TO %I', current_user);
  END IF;
EXCEPTION WHEN OTHERS THEN
  IF NOT pg_has_role(current_user, 'ledger_reader', 'MEMBER') THEN RAISE; END IF;
END $$;

-- Applied again by every rebuild, after it swaps fresh tables in.
CREATE OR REPLACE FUNCTION ledger_apply_read_security() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  t text;
BEGIN
  EXECUTE 'GRANT USAGE ON SCHEMA public TO ledger_reader';
  FOREACH t IN ARRAY ARRAY['ai_runs', 'ai_tasks', 'usage_daily'] LOOP
    EXECUTE format('GRANT SELECT ON %I TO ledger_reader', t);
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('DROP POLICY IF EXISTS %I ON %I', t || '_owner_only', t);
    EXECUTE format(
      'CREATE POLICY %I ON %I FOR SELECT TO ledger_reader USING (user_id = NULLIF(current_setting(''ledger.user_id'', true), '''')::uuid)',
      t || '_owner_only', t);
  END LOOP;
END $$;

SELECT ledger_apply_read_security();

-- Down Migration
DROP POLICY IF EXISTS ai_runs_owner_only ON ai_runs;
DROP POLICY IF EXISTS ai_tasks_owner_only ON ai_tasks;
DROP POLICY IF EXISTS usage_daily_owner_only ON usage_daily;
ALTER TABLE ai_runs DISABLE ROW LEVEL SECURITY;
ALTER TABLE ai_tasks DISABLE ROW LEVEL SECURITY;
ALTER TABLE usage_daily DISABLE ROW LEVEL SECURITY;
DROP FUNCTION IF EXISTS ledger_apply_read_security();
