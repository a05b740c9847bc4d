-- Up Migration
-- Budget alert webhooks: an outbox filled from the `BudgetThresholdReached` events of the log (so a crash between
-- an alert's append and its delivery loses nothing) and emptied by the one instance that holds the delivery lock.
-- `body` is the exact JSON text that is signed and POSTed, so a retry sends the same bytes.
CREATE TABLE IF NOT EXISTS budget_alert_outbox (
  seq          bigserial   NOT NULL,
  alert_id     uuid        NOT NULL PRIMARY KEY,
  user_id      uuid        NOT NULL,
  body         text        NOT NULL,
  attempts     integer     NOT NULL DEFAULT 0,
  last_error   text,
  delivered_at timestamptz
);
CREATE INDEX IF NOT EXISTS budget_alert_outbox_pending_idx ON budget_alert_outbox (seq) WHERE delivered_at IS NULL;

-- How far the outbox has read the log; moved in the same transaction as the rows it adds.
CREATE TABLE IF NOT EXISTS budget_alert_checkpoint (
  name             text    NOT NULL PRIMARY KEY,
  commit_position  numeric NOT NULL,
  prepare_position numeric NOT NULL
);

-- Down Migration
DROP TABLE IF EXISTS budget_alert_checkpoint;
DROP TABLE IF EXISTS budget_alert_outbox;
