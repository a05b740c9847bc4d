-- Up Migration
-- Read models of docs/protocol.md §3, written only by the projector (libs/projections). Every value, timestamps
-- included, comes from events: no DEFAULT now(), no random ids (ai_tasks.id = taskRowIdFor(run_id, task_id)).
CREATE TABLE IF NOT EXISTS ai_runs (
  id                  uuid        NOT NULL,
  user_id             uuid        NOT NULL,
  source_type         text        NOT NULL,
  source_id           text,
  name                text        NOT NULL,
  messages            jsonb       NOT NULL,
  settings            jsonb       NOT NULL,
  variable_values     jsonb       NOT NULL,
  broker_values       jsonb       NOT NULL,
  total_tokens        bigint      NOT NULL,
  total_cost          numeric     NOT NULL,
  unpriced_task_count integer     NOT NULL,
  message_count       integer     NOT NULL,
  task_count          integer     NOT NULL,
  starred             boolean     NOT NULL,
  archived            boolean     NOT NULL,
  created_at          timestamptz NOT NULL,
  updated_at          timestamptz NOT NULL,
  last_message_at     timestamptz,
  version             bigint      NOT NULL,
  CONSTRAINT ai_runs_pkey PRIMARY KEY (id)
);
-- runs.list: a user's runs, newest activity first, keyset-paged on (activity, id).
CREATE INDEX IF NOT EXISTS ai_runs_user_activity_idx ON ai_runs (user_id, (COALESCE(last_message_at, updated_at)) DESC, id DESC);

CREATE TABLE IF NOT EXISTS ai_tasks (
  id                  uuid        NOT NULL,
  run_id              uuid        NOT NULL,
  user_id             uuid        NOT NULL,
  task_id             uuid        NOT NULL,
  service             text        NOT NULL,
  task_name           text        NOT NULL,
  provider            text        NOT NULL,
  endpoint            text        NOT NULL,
  model               text        NOT NULL,
  model_id            text,
  request_data        jsonb       NOT NULL,
  response_text       text        NOT NULL,
  response_data       jsonb,
  response_info       jsonb       NOT NULL, -- payloads of `info` chunks, in seq order
  response_errors     jsonb       NOT NULL, -- payloads of `error` chunks
  tool_updates        jsonb       NOT NULL, -- payloads of `tool` chunks
  data_chunks         jsonb       NOT NULL, -- payloads of `data` chunks
  tokens_input        bigint      NOT NULL,
  tokens_output       bigint      NOT NULL,
  tokens_cached       bigint      NOT NULL,
  tokens_cache_write  bigint      NOT NULL,
  tokens_reasoning    bigint      NOT NULL,
  tokens_total        bigint      NOT NULL,
  usage_source        text,
  cost                numeric,              -- NULL: not priced (yet, or no price known)
  price_id            text,
  time_to_first_token integer,
  total_time          integer,
  status              text        NOT NULL,
  finish_reason       text,
  error               jsonb,
  chunk_count         integer     NOT NULL,
  created_at          timestamptz NOT NULL,
  updated_at          timestamptz NOT NULL,
  completed_at        timestamptz,
  CONSTRAINT ai_tasks_pkey PRIMARY KEY (id)
);
CREATE INDEX IF NOT EXISTS ai_tasks_run_created_idx ON ai_tasks (run_id, created_at, id);

-- The usage summary: one row per user, UTC day of the task's end and model; a task counts once it ended.
CREATE TABLE IF NOT EXISTS usage_daily (
  user_id        uuid    NOT NULL,
  day            date    NOT NULL,
  model          text    NOT NULL,
  provider       text    NOT NULL,
  tasks          integer NOT NULL,
  input_tokens   bigint  NOT NULL,
  output_tokens  bigint  NOT NULL,
  cached_tokens  bigint  NOT NULL,
  reasoning_tokens bigint NOT NULL,
  cost           numeric NOT NULL,
  unpriced_tasks integer NOT NULL,
  CONSTRAINT usage_daily_pkey PRIMARY KEY (user_id, day, model)
);

-- One row per projection; moved in the same transaction as the rows it reflects.
CREATE TABLE IF NOT EXISTS projection_checkpoints (
  name             text        NOT NULL PRIMARY KEY,
  commit_position  numeric,
  prepare_position numeric,
  state            text        NOT NULL DEFAULT 'running',
  error            text,
  updated_at       timestamptz NOT NULL DEFAULT now()
);

-- Down Migration
DROP TABLE IF EXISTS projection_checkpoints;
DROP TABLE IF EXISTS usage_daily;
DROP TABLE IF EXISTS ai_tasks;
DROP TABLE IF EXISTS ai_runs;
