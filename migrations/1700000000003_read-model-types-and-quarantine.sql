-- Up Migration
-- Column types that hold every value the contract accepts (issue 12, finding 1): a value the edge acks can no
-- longer stop the projector.
--   time_to_first_token, total_time: milliseconds are any finite number from 0 to 1e12, fractional included
--     (a chunk's offsetMs, a client's totalTimeMs, or the server's time since TaskCreated however long a task
--     stays open): double precision holds each JavaScript number exactly.
--   sums of tokens (a run's total, a usage day) are unbounded: numeric. A task's own counts stay bigint (the
--     contract keeps inputTokens + outputTokens <= 2^53 - 1).
--   counts of tasks and messages: bigint.
ALTER TABLE ai_tasks
  ALTER COLUMN time_to_first_token TYPE double precision,
  ALTER COLUMN total_time TYPE double precision,
  ADD COLUMN IF NOT EXISTS quarantined boolean NOT NULL DEFAULT false;

ALTER TABLE ai_runs
  ALTER COLUMN total_tokens TYPE numeric,
  ALTER COLUMN unpriced_task_count TYPE bigint,
  ALTER COLUMN message_count TYPE bigint,
  ALTER COLUMN task_count TYPE bigint,
  ADD COLUMN IF NOT EXISTS quarantined boolean NOT NULL DEFAULT false;

ALTER TABLE usage_daily
  ALTER COLUMN tasks TYPE bigint,
  ALTER COLUMN input_tokens TYPE numeric,
  ALTER COLUMN output_tokens TYPE numeric,
  ALTER COLUMN cached_tokens TYPE numeric,
  ALTER COLUMN reasoning_tokens TYPE numeric,
  ALTER COLUMN unpriced_tasks TYPE bigint;

-- Quarantine: a run whose events the projection cannot apply (the fold refuses one, or PostgreSQL refuses a
-- value) is set aside with the event, its position and the error, while every other run keeps projecting.
-- Written in the projector's transaction; `ai_runs.quarantined` / `ai_tasks.quarantined` mark its rows (they
-- hold the run as it was right before that event). An operator retries or skips it (`ledger projections
-- retry|skip <runId>`).
CREATE TABLE IF NOT EXISTS projection_quarantine (
  name             text        NOT NULL,
  run_id           uuid        NOT NULL,
  event_id         text        NOT NULL,
  event_type       text        NOT NULL,
  revision         bigint      NOT NULL,
  commit_position  numeric     NOT NULL,
  prepare_position numeric     NOT NULL,
  error            text        NOT NULL,
  quarantined_at   timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT projection_quarantine_pkey PRIMARY KEY (name, run_id)
);

-- Events an operator chose to skip: every fold of the projection (live, rebuild, verify) leaves them out, so a
-- rebuild gives the same rows as the live projection.
CREATE TABLE IF NOT EXISTS projection_skipped_events (
  name       text        NOT NULL,
  event_id   text        NOT NULL,
  run_id     uuid        NOT NULL,
  error      text        NOT NULL,
  skipped_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT projection_skipped_events_pkey PRIMARY KEY (name, event_id)
);

-- Moved by every change to the quarantine or the skips (by any process): a live projector re-reads them then.
ALTER TABLE projection_checkpoints ADD COLUMN IF NOT EXISTS quarantine_epoch bigint NOT NULL DEFAULT 0;

-- Down Migration
ALTER TABLE projection_checkpoints DROP COLUMN IF EXISTS quarantine_epoch;
DROP TABLE IF EXISTS projection_skipped_events;
DROP TABLE IF EXISTS projection_quarantine;
ALTER TABLE ai_runs DROP COLUMN IF EXISTS quarantined;
ALTER TABLE ai_tasks DROP COLUMN IF EXISTS quarantined;
