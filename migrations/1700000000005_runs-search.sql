-- Up Migration
-- Search and filters of `runs.list` (the dashboard's runs list). `q` matches the run's name and the text of its
-- messages, case-insensitively, as a substring, through a trigram (pg_trgm) GIN index; `model` uses an index of
-- the tasks by user and model (a rebuild creates it too: libs/projections/src/rebuild.ts).
-- pg_trgm and btree_gin are trusted extensions (PostgreSQL >= 13): the database's owner may create them without
-- superuser. btree_gin lets the search index lead with user_id, so a search reads only the caller's entries.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS btree_gin;

CREATE INDEX IF NOT EXISTS ai_tasks_user_model_idx ON ai_tasks (user_id, model, run_id);

-- What `q` is matched against: the name, then each message's first 2,000 characters, 32,000 characters at most.
CREATE OR REPLACE FUNCTION ledger_run_search_text(name text, messages jsonb) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT left(
    name || E'\n' || coalesce((SELECT string_agg(left(m ->> 'content', 2000), E'\n')
                               FROM jsonb_array_elements(messages) AS m), ''),
    32000)
$$;

-- The search documents, one per run, kept beside `ai_runs` rather than as an index on it: the projector rewrites
-- a run's row on every batch that touches it (each streamed chunk moves its version), and a trigram index on the
-- row would re-insert thousands of entries each time (about 1 ms per row). A document changes only when the
-- run's name or its number of messages does (messages are only ever appended; their text never changes).
-- Derived from `ai_runs` alone, in the same transaction as the rows, so it never disagrees with them.
CREATE TABLE IF NOT EXISTS ai_run_search (
  id            uuid    NOT NULL,
  user_id       uuid    NOT NULL,
  name          text    NOT NULL,
  message_count integer NOT NULL,
  document      text    NOT NULL,
  CONSTRAINT ai_run_search_pkey PRIMARY KEY (id)
);
CREATE INDEX IF NOT EXISTS ai_run_search_idx ON ai_run_search USING gin (user_id, document gin_trgm_ops);

CREATE OR REPLACE FUNCTION ledger_run_search_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO ai_run_search (id, user_id, name, message_count, document)
  SELECT n.id, n.user_id, n.name, n.message_count, ledger_run_search_text(n.name, n.messages) FROM new_rows n
  ON CONFLICT (id) DO UPDATE SET user_id = EXCLUDED.user_id, name = EXCLUDED.name,
    message_count = EXCLUDED.message_count, document = EXCLUDED.document;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION ledger_run_search_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO ai_run_search (id, user_id, name, message_count, document)
  SELECT n.id, n.user_id, n.name, n.message_count, ledger_run_search_text(n.name, n.messages)
  FROM new_rows n JOIN old_rows o ON o.id = n.id
  WHERE n.name IS DISTINCT FROM o.name OR n.message_count <> o.message_count OR n.user_id <> o.user_id
  ON CONFLICT (id) DO UPDATE SET user_id = EXCLUDED.user_id, name = EXCLUDED.name,
    message_count = EXCLUDED.message_count, document = EXCLUDED.document;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION ledger_run_search_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM ai_run_search s USING old_rows o WHERE s.id = o.id;
  RETURN NULL;
END $$;

-- Brings the documents in line with the rows of `runs_table` (`ai_runs`, or a rebuild's shadow table): only the
-- documents of runs whose name or message count differ are recomputed; the rest is a comparison of ids, names
-- and counts. `prune` also removes the documents of runs that are not in the table.
CREATE OR REPLACE FUNCTION ledger_sync_run_search(runs_table text, prune boolean) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF prune THEN
    EXECUTE format('DELETE FROM ai_run_search s WHERE NOT EXISTS (SELECT 1 FROM %I r WHERE r.id = s.id)', runs_table);
  END IF;
  EXECUTE format(
    'INSERT INTO ai_run_search (id, user_id, name, message_count, document)
     SELECT r.id, r.user_id, r.name, r.message_count, ledger_run_search_text(r.name, r.messages)
     FROM %I r LEFT JOIN ai_run_search s ON s.id = r.id
     WHERE s.id IS NULL OR s.name IS DISTINCT FROM r.name OR s.message_count <> r.message_count OR s.user_id <> r.user_id
     ON CONFLICT (id) DO UPDATE SET user_id = EXCLUDED.user_id, name = EXCLUDED.name,
       message_count = EXCLUDED.message_count, document = EXCLUDED.document', runs_table);
END $$;

-- (Re)attaches the triggers to `ai_runs` and syncs the documents with it. A rebuild syncs the documents with its
-- shadow table before the swap (the bulk of the work, no lock held), swaps in the new `ai_runs` (which has no
-- triggers), then calls this in its swap transaction, where little is left to recompute.
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

-- The ids of the caller's runs whose document matches an ILIKE pattern. Runs as the owner: `ai_run_search` is not
-- readable by `ledger_reader`, and under row-level security PostgreSQL may not use ILIKE (not leakproof) as an
-- index condition. Restricted to the same `ledger.user_id` as the policies; callers join the ids back to `ai_runs`
-- as `ledger_reader`, so the row security policy still decides which rows are seen.
CREATE OR REPLACE FUNCTION ledger_search_run_ids(pattern text) RETURNS SETOF uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  SELECT id FROM ai_run_search
  WHERE user_id = NULLIF(current_setting('ledger.user_id', true), '')::uuid AND document ILIKE pattern
$$;
REVOKE ALL ON FUNCTION ledger_search_run_ids(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ledger_search_run_ids(text) TO ledger_reader;

-- Down Migration
DROP FUNCTION IF EXISTS ledger_search_run_ids(text);
DROP TRIGGER IF EXISTS ai_runs_search_inserted ON ai_runs;
DROP TRIGGER IF EXISTS ai_runs_search_updated ON ai_runs;
DROP TRIGGER IF EXISTS ai_runs_search_deleted ON ai_runs;
DROP FUNCTION IF EXISTS ledger_attach_run_search();
DROP FUNCTION IF EXISTS ledger_sync_run_search(text, boolean);
DROP FUNCTION IF EXISTS ledger_run_search_inserted();
DROP FUNCTION IF EXISTS ledger_run_search_updated();
DROP FUNCTION IF EXISTS ledger_run_search_deleted();
DROP TABLE IF EXISTS ai_run_search;
DROP FUNCTION IF EXISTS ledger_run_search_text(text, jsonb);
DROP INDEX IF EXISTS ai_tasks_user_model_idx;
