-- Up Migration
-- The ledger's objects belong to ledger_owner, a role that is neither a superuser nor exempt from row-level
-- security, and the server runs as that role (libs/database: the pool connects with `role=ledger_owner`),
-- whatever login DATABASE_URL names. Superusers and BYPASSRLS roles skip RLS entirely, so before this the
-- policies held only inside asUser's `SET LOCAL ROLE ledger_reader`. The read models now FORCE row-level
-- security: the owner is subject to it too, through a policy that shows every row to the projector (no user
-- context) and only the caller's rows to any code that sets `ledger.user_id`.
--
-- Roles are created when this login may create roles (a superuser: the embedded server, tests, CI); a
-- non-superuser login needs them made once by a DBA (docs/security.md, Deployment).
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ledger_owner') THEN
    CREATE ROLE ledger_owner NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
  END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; -- another database's migration made it
END $$;

DO $$
BEGIN
  IF (SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = 'ledger_owner') THEN
    RAISE EXCEPTION 'role ledger_owner must be neither SUPERUSER nor BYPASSRLS';
  END IF;
  IF NOT pg_has_role('ledger_owner', 'ledger_reader', 'MEMBER') THEN
    GRANT ledger_reader TO ledger_owner; -- asUser's SET LOCAL ROLE ledger_reader
  END IF;
EXCEPTION WHEN unique_violation THEN NULL; -- granted meanwhile by another database's migration
END $$;

DO $$
BEGIN
  IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = session_user)
     AND NOT pg_has_role(session_user, 'ledger_owner', 'MEMBER') THEN
    RAISE EXCEPTION 'the login % must be a member of ledger_owner (GRANT ledger_owner TO %)', session_user, session_user;
  END IF;
  IF NOT has_schema_privilege('ledger_owner', current_schema(), 'CREATE') THEN
    EXECUTE format('GRANT USAGE, CREATE ON SCHEMA %I TO ledger_owner', current_schema()); -- rebuild's tables
  END IF;
END $$;

-- Hands every table, view, sequence and function of this schema that the migrating login can give away to
-- ledger_owner. migrate() calls it again after later migrations, so objects they create are adopted too.
CREATE OR REPLACE FUNCTION ledger_adopt_objects() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  r record;
BEGIN
  FOR r IN
    SELECT c.oid::regclass AS name,
           CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END AS kind
    FROM pg_class c
    WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm')
      AND c.relowner <> 'ledger_owner'::regrole AND pg_has_role(c.relowner, 'USAGE')
  LOOP
    EXECUTE format('ALTER %s %s OWNER TO ledger_owner', r.kind, r.name); -- its indexes and serials follow
  END LOOP;
  FOR r IN
    SELECT c.oid::regclass AS name FROM pg_class c
    WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'S'
      AND c.relowner <> 'ledger_owner'::regrole AND pg_has_role(c.relowner, 'USAGE')
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('a', 'i'))
  LOOP
    EXECUTE format('ALTER SEQUENCE %s OWNER TO ledger_owner', r.name);
  END LOOP;
  FOR r IN
    SELECT p.oid::regprocedure AS name FROM pg_proc p
    WHERE p.pronamespace = current_schema()::regnamespace AND p.prokind IN ('f', 'p')
      AND p.proowner <> 'ledger_owner'::regrole AND pg_has_role(p.proowner, 'USAGE')
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
  LOOP
    EXECUTE format('ALTER ROUTINE %s OWNER TO ledger_owner', r.name);
  END LOOP;
END $$;

-- Applied again by every rebuild, after it swaps fresh tables in (whoever runs the rebuild: tables a
-- superuser's rebuild created are handed to ledger_owner here, so the server can still write them).
CREATE OR REPLACE FUNCTION ledger_apply_read_security() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  t text;
  user_scope constant text := 'NULLIF(current_setting(''ledger.user_id'', true), '''')::uuid';
BEGIN
  IF NOT has_schema_privilege('ledger_reader', current_schema(), 'USAGE') THEN
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO ledger_reader', current_schema());
  END IF;
  FOREACH t IN ARRAY ARRAY['ai_runs', 'ai_tasks', 'usage_daily'] LOOP
    IF (SELECT relowner FROM pg_class WHERE oid = t::regclass) <> 'ledger_owner'::regrole THEN
      EXECUTE format('ALTER TABLE %I OWNER TO ledger_owner', t);
    END IF;
    EXECUTE format('GRANT SELECT ON %I TO ledger_reader', t);
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('DROP POLICY IF EXISTS %I ON %I', t || '_owner_only', t);
    EXECUTE format('CREATE POLICY %I ON %I FOR SELECT TO ledger_reader USING (user_id = %s)',
      t || '_owner_only', t, user_scope);
    EXECUTE format('DROP POLICY IF EXISTS %I ON %I', t || '_ledger_owner', t);
    EXECUTE format(
      'CREATE POLICY %I ON %I FOR ALL TO ledger_owner USING (%s IS NULL OR user_id = %s) WITH CHECK (%s IS NULL OR user_id = %s)',
      t || '_ledger_owner', t, user_scope, user_scope, user_scope, user_scope);
  END LOOP;
END $$;

SELECT ledger_adopt_objects();
SELECT ledger_apply_read_security();

-- Down Migration
DROP POLICY IF EXISTS ai_runs_ledger_owner ON ai_runs;
DROP POLICY IF EXISTS ai_tasks_ledger_owner ON ai_tasks;
DROP POLICY IF EXISTS usage_daily_ledger_owner ON usage_daily;
ALTER TABLE ai_runs NO FORCE ROW LEVEL SECURITY;
ALTER TABLE ai_tasks NO FORCE ROW LEVEL SECURITY;
ALTER TABLE usage_daily NO FORCE ROW LEVEL SECURITY;
DROP FUNCTION IF EXISTS ledger_adopt_objects();
