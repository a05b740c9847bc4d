-- Up Migration
-- The cost a provider or gateway reported for a task (TaskCompleted.reportedCost), kept beside the ledger's own
-- `cost` so that `ledger prices drift` and the dashboard can show where the catalog and the bill disagree.
ALTER TABLE ai_tasks
  ADD COLUMN IF NOT EXISTS reported_cost          numeric,
  ADD COLUMN IF NOT EXISTS reported_cost_currency text,
  ADD COLUMN IF NOT EXISTS reported_cost_source   text;

-- Down Migration
ALTER TABLE ai_tasks
  DROP COLUMN IF EXISTS reported_cost,
  DROP COLUMN IF EXISTS reported_cost_currency,
  DROP COLUMN IF EXISTS reported_cost_source;
