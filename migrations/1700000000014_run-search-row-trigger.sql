-- Up Migration
-- The runs list's search documents follow a run's name, message count and owner (migration …005). The trigger on
-- updates was a statement trigger with transition tables: every UPDATE of ai_runs kept a copy of its old and new
-- rows and ran a join over them, also the projector's update of the runs whose tasks only streamed (their
-- `updated_at` and `version`, every batch, issue 19: ~1.6 ms a batch of 176 streaming runs for no document). It is
-- now a row trigger on those three columns with a WHEN condition: an UPDATE that does not set them does not fire it
-- at all, and one that sets them fires it only for the rows where one of them changed. The documents are the same.
CREATE OR REPLACE FUNCTION ledger_run_search_row_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO ai_run_search (id, user_id, name, message_count, document)
  VALUES (NEW.id, NEW.user_id, NEW.name, NEW.message_count, ledger_run_search_text(NEW.name, NEW.messages))
  ON CONFLICT (id) DO UPDATE SET user_id = EXCLUDED.user_id, name = EXCLUDED.name,
    message_count = EXCLUDED.message_count, document = EXCLUDED.document;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION ledger_attach_run_search() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  DROP TRIGGER IF EXISTS ai_runs_search_inserted ON ai_runs;
  DROP TRIGGER IF EXISTS ai_runs_search_updated ON ai_runs;
  DROP TRIGGER IF EXISTS ai_runs_search_deleted ON ai_runs;
  CREATE TRIGGER ai_runs_search_inserted AFTER INSERT ON ai_runs REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_run_search_inserted();
  CREATE TRIGGER ai_runs_search_updated AFTER UPDATE OF user_id, name, message_count ON ai_runs
    FOR EACH ROW
    WHEN (OLD.name IS DISTINCT FROM NEW.name OR OLD.message_count <> NEW.message_count OR OLD.user_id <> NEW.user_id)
    EXECUTE FUNCTION ledger_run_search_row_updated();
  CREATE TRIGGER ai_runs_search_deleted AFTER DELETE ON ai_runs REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_run_search_deleted();
  PERFORM ledger_sync_run_search('ai_runs', true);
END $$;

SELECT ledger_attach_run_search();

-- Down Migration
CREATE OR REPLACE FUNCTION ledger_attach_run_search() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  DROP TRIGGER IF EXISTS ai_runs_search_inserted ON ai_runs;
  DROP TRIGGER IF EXISTS ai_runs_search_updated ON ai_runs;
  DROP TRIGGER IF EXISTS ai_runs_search_deleted ON ai_runs;
  CREATE TRIGGER ai_runs_search_inserted AFTER INSERT ON ai_runs REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_run_search_inserted();
  CREATE TRIGGER ai_runs_search_updated AFTER UPDATE ON ai_runs REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_run_search_updated();
  CREATE TRIGGER ai_runs_search_deleted AFTER DELETE ON ai_runs REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_run_search_deleted();
  PERFORM ledger_sync_run_search('ai_runs', true);
END $$;
SELECT ledger_attach_run_search();
DROP FUNCTION IF EXISTS ledger_run_search_row_updated();
