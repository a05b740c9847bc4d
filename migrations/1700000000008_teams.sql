-- Up Migration
-- Teams (docs/security.md, Teams): a run started with a `teamId` is readable by the members of that team. The
-- team is carried on the run's row and on each of its task rows, so that row-level security decides on the row
-- alone: a query as `ledger_reader` sees the rows of the caller's runs (`ledger.user_id`) and of the runs of the
-- caller's teams (`ledger.team_ids`, a uuid[] literal set per transaction next to `ledger.user_id`), whatever its
-- WHERE says. `usage_daily` stays per user: a team's usage is summed from its task rows.
ALTER TABLE ai_runs ADD COLUMN IF NOT EXISTS team_id uuid;
ALTER TABLE ai_tasks ADD COLUMN IF NOT EXISTS team_id uuid;

-- runs.list with teamId, and usage.summary with teamId (a rebuild creates them too: libs/projections/src/rebuild.ts).
CREATE INDEX IF NOT EXISTS ai_runs_team_activity_idx ON ai_runs (team_id, (COALESCE(last_message_at, updated_at)) DESC, id DESC)
  WHERE team_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS ai_tasks_team_idx ON ai_tasks (team_id, completed_at) WHERE team_id IS NOT NULL;

-- As in migrations/1700000000004_owner-role.sql, with the team clause added to the policies of ai_runs and ai_tasks.
-- Applied again by every rebuild, after it swaps fresh tables in.
CREATE OR REPLACE FUNCTION ledger_apply_read_security() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  t text;
  user_scope constant text := 'NULLIF(current_setting(''ledger.user_id'', true), '''')::uuid';
  team_scope constant text := 'COALESCE(NULLIF(current_setting(''ledger.team_ids'', true), ''''), ''{}'')::uuid[]';
  visible text;
BEGIN
  IF NOT has_schema_privilege('ledger_reader', current_schema(), 'USAGE') THEN
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO ledger_reader', current_schema());
  END IF;
  FOREACH t IN ARRAY ARRAY['ai_runs', 'ai_tasks', 'usage_daily'] LOOP
    IF (SELECT relowner FROM pg_class WHERE oid = t::regclass) <> 'ledger_owner'::regrole THEN
      EXECUTE format('ALTER TABLE %I OWNER TO ledger_owner', t);
    END IF;
    visible := CASE WHEN t = 'usage_daily' THEN format('user_id = %s', user_scope)
      ELSE format('(user_id = %s OR team_id = ANY (%s))', user_scope, team_scope) END;
    EXECUTE format('GRANT SELECT ON %I TO ledger_reader', t);
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('DROP POLICY IF EXISTS %I ON %I', t || '_owner_only', t);
    EXECUTE format('CREATE POLICY %I ON %I FOR SELECT TO ledger_reader USING (%s)', t || '_owner_only', t, visible);
    EXECUTE format('DROP POLICY IF EXISTS %I ON %I', t || '_ledger_owner', t);
    EXECUTE format(
      'CREATE POLICY %I ON %I FOR ALL TO ledger_owner USING (%s IS NULL OR %s) WITH CHECK (%s IS NULL OR %s)',
      t || '_ledger_owner', t, user_scope, visible, user_scope, visible);
  END LOOP;
END $$;

SELECT ledger_apply_read_security();

-- Down Migration
DROP INDEX IF EXISTS ai_tasks_team_idx;
DROP INDEX IF EXISTS ai_runs_team_activity_idx;
ALTER TABLE ai_tasks DROP COLUMN IF EXISTS team_id;
ALTER TABLE ai_runs DROP COLUMN IF EXISTS team_id;
