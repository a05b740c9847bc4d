-- Up Migration
-- A streaming task's text written at the cost of what a batch adds (issue 19; docs/performance.md, finding 30).
-- The projector appended each batch's chunks to `ai_tasks.response_text`, and PostgreSQL writes a grown text as a
-- new value, whole: at 1 chunk a command, 200 tasks of up to 10 KB, that statement was ~60 % of PostgreSQL's time.
-- The rows are now kept in the table `ai_task_rows`, whose text is in two columns: `response_text` (the head) and
-- `response_text_tail` (at most ~1 KB, small enough to stay in the row). A batch appends to the tail; a tail that
-- would pass 1 KB is moved into the head with the batch's text, so the head is rewritten once per kilobyte of
-- text, not once per batch. `ai_tasks` is a view over that table with the columns it always had, in the same order,
-- and `response_text` whole (head || tail): the read model readers see is unchanged (docs/protocol.md §2), and
-- where a text is split is not a value of it (a rebuild writes each text whole in the head).
-- The view is `security_invoker` (PostgreSQL 15 or later): a query as ledger_reader through it sees only the rows
-- the table's row-level security shows that role.
ALTER TABLE ai_tasks RENAME TO ai_task_rows;
ALTER TABLE ai_task_rows ADD COLUMN response_text_tail text NOT NULL DEFAULT '';
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY (enumvals)) THEN
    EXECUTE 'ALTER TABLE ai_task_rows ALTER COLUMN response_text_tail SET COMPRESSION lz4';
  ELSE
    EXECUTE 'ALTER TABLE ai_task_rows ALTER COLUMN response_text_tail SET STORAGE EXTERNAL';
  END IF;
END $$;
-- The policies keep their names through a rename: the ones made for `ai_tasks` go, ledger_apply_read_security()
-- below makes them for `ai_task_rows`.
DROP POLICY IF EXISTS ai_tasks_owner_only ON ai_task_rows;
DROP POLICY IF EXISTS ai_tasks_ledger_owner ON ai_task_rows;

-- (Re)creates the view from the table's columns, so a column added to `ai_task_rows` later appears in it once this
-- runs again. Called by this migration and by every rebuild, after it swaps a fresh `ai_task_rows` in (a view
-- follows the table it was made on, not its name).
CREATE OR REPLACE FUNCTION ledger_create_task_view() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  columns text;
BEGIN
  SELECT string_agg(
           CASE WHEN a.attname = 'response_text' THEN 'response_text || response_text_tail AS response_text'
             ELSE quote_ident(a.attname) END, ', ' ORDER BY a.attnum)
    INTO columns
    FROM pg_attribute a
   WHERE a.attrelid = 'ai_task_rows'::regclass AND a.attnum > 0 AND NOT a.attisdropped
     AND a.attname <> 'response_text_tail';
  EXECUTE format('CREATE OR REPLACE VIEW ai_tasks WITH (security_invoker = true) AS SELECT %s FROM ai_task_rows', columns);
  IF (SELECT relowner FROM pg_class WHERE oid = 'ai_tasks'::regclass) <> 'ledger_owner'::regrole THEN
    ALTER VIEW ai_tasks OWNER TO ledger_owner;
  END IF;
  GRANT SELECT ON ai_tasks TO ledger_reader;
END $$;

-- As in migrations/1700000000008_teams.sql, for the table of the task rows: `ai_task_rows` (the view has no
-- policies of its own), or `ai_tasks` where that is still the table (after this migration's down), so the one
-- definition serves both directions.
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
  FOREACH t IN ARRAY ARRAY['ai_runs',
      CASE WHEN to_regclass('ai_task_rows') IS NULL THEN 'ai_tasks' ELSE 'ai_task_rows' END, 'usage_daily'] LOOP
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

SELECT ledger_create_task_view();
SELECT ledger_apply_read_security();

-- Down Migration
DROP VIEW IF EXISTS ai_tasks;
DROP FUNCTION IF EXISTS ledger_create_task_view();
UPDATE ai_task_rows SET response_text = response_text || response_text_tail WHERE response_text_tail <> '';
ALTER TABLE ai_task_rows DROP COLUMN response_text_tail;
DROP POLICY IF EXISTS ai_task_rows_owner_only ON ai_task_rows;
DROP POLICY IF EXISTS ai_task_rows_ledger_owner ON ai_task_rows;
ALTER TABLE ai_task_rows RENAME TO ai_tasks;
SELECT ledger_apply_read_security();
