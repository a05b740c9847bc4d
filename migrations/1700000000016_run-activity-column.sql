-- Up Migration
-- A run's activity (its last message's time, else its last change: the runs list's order, docs/protocol.md §3)
-- becomes a stored generated column, and the two activity indexes are on it rather than on the expression
-- COALESCE(last_message_at, updated_at). PostgreSQL makes an UPDATE "HOT" (a new row version on the same page,
-- no index touched) only when no column an index reads has changed, and for an expression index those are the
-- expression's columns: every projector batch sets a streaming run's `updated_at` and `version`, so every batch
-- inserted a new entry in each index of ai_runs and left a dead one behind (issue 19, docs/performance.md
-- finding 31: 16,603 updates of 50 runs in one `--only ingest` window, none HOT). With the column, a batch that
-- does not change the activity (a run with a message) changes no indexed column; the value is the same, from the
-- same events, so a rebuild still gives the same rows.
ALTER TABLE ai_runs
  ADD COLUMN IF NOT EXISTS activity_at timestamptz GENERATED ALWAYS AS (COALESCE(last_message_at, updated_at)) STORED;

DROP INDEX IF EXISTS ai_runs_user_activity_idx;
CREATE INDEX ai_runs_user_activity_idx ON ai_runs (user_id, activity_at DESC, id DESC);
DROP INDEX IF EXISTS ai_runs_team_activity_idx;
CREATE INDEX ai_runs_team_activity_idx ON ai_runs (team_id, activity_at DESC, id DESC) WHERE team_id IS NOT NULL;
ALTER TABLE ai_runs SET (fillfactor = 50);

-- Down Migration
ALTER TABLE ai_runs RESET (fillfactor);
DROP INDEX IF EXISTS ai_runs_team_activity_idx;
DROP INDEX IF EXISTS ai_runs_user_activity_idx;
ALTER TABLE ai_runs DROP COLUMN IF EXISTS activity_at;
CREATE INDEX ai_runs_user_activity_idx ON ai_runs (user_id, (COALESCE(last_message_at, updated_at)) DESC, id DESC);
CREATE INDEX ai_runs_team_activity_idx ON ai_runs (team_id, (COALESCE(last_message_at, updated_at)) DESC, id DESC)
  WHERE team_id IS NOT NULL;
