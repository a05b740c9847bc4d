-- Up Migration
-- Search and filters of `runs.list` (the dashboard's runs list): `q` matches the run's name and the text of its
-- messages, case-insensitively, as a substring, through a trigram (pg_trgm) GIN index; `model` uses an index of
-- the tasks by user and model. A rebuild creates the same indexes on its shadow tables
-- (libs/projections/src/rebuild.ts).
-- pg_trgm and btree_gin are trusted extensions (PostgreSQL >= 13): the database's owner may create them without
-- superuser. btree_gin lets the search index lead with user_id, so a search reads only the caller's entries.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS btree_gin;

-- What `q` is matched against: the name, then each message's first 2,000 characters, 32,000 characters at most.
-- Bounded because the index expression is recomputed whenever the row changes (a streaming run changes often).
CREATE OR REPLACE FUNCTION ledger_run_search_text(name text, messages jsonb) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT left(
    name || E'\n' || coalesce((SELECT string_agg(left(m ->> 'content', 2000), E'\n')
                               FROM jsonb_array_elements(messages) AS m), ''),
    32000)
$$;

CREATE INDEX IF NOT EXISTS ai_runs_search_idx ON ai_runs USING gin (user_id, ledger_run_search_text(name, messages) gin_trgm_ops);
CREATE INDEX IF NOT EXISTS ai_tasks_user_model_idx ON ai_tasks (user_id, model, run_id);

-- The ids of the caller's runs whose search text matches an ILIKE pattern. ILIKE is not leakproof, so under
-- row-level security PostgreSQL may not use it as an index condition and would scan every row of the user;
-- this function runs as the tables' owner (so the trigram index serves), restricted to the same
-- `ledger.user_id` the policy uses. Callers join its ids back to `ai_runs` as `ledger_reader`, so the row
-- security policy still decides which rows are seen.
CREATE OR REPLACE FUNCTION ledger_search_run_ids(pattern text) RETURNS SETOF uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  SELECT id FROM ai_runs
  WHERE user_id = NULLIF(current_setting('ledger.user_id', true), '')::uuid
    AND ledger_run_search_text(name, messages) ILIKE pattern
$$;
REVOKE ALL ON FUNCTION ledger_search_run_ids(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ledger_search_run_ids(text) TO ledger_reader;

-- Down Migration
DROP FUNCTION IF EXISTS ledger_search_run_ids(text);
DROP INDEX IF EXISTS ai_tasks_user_model_idx;
DROP INDEX IF EXISTS ai_runs_search_idx;
DROP FUNCTION IF EXISTS ledger_run_search_text(text, jsonb);
