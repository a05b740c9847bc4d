-- Up Migration
-- Room for HOT updates of streaming tasks (issue 19; docs/performance.md, projection lag). The projector rewrites
-- the row of every task a batch touched (its text, chunk count, status, time): with full pages (fillfactor 100)
-- the new version goes to another page, so each update also inserts into every index of ai_tasks and leaves a
-- dead row behind (9 % of updates were HOT in a 200-task stream; the table grew 40× its live size). With half of
-- each page kept free, the new version stays on its page: no index insertion, the old one pruned in place (99 %
-- HOT, the table at its live size, the batch's task write ~30 % faster at p50 and p90). Values are unchanged: a
-- storage parameter only. It applies to pages filled from now on; a rebuild's new table should set it too.
ALTER TABLE ai_tasks SET (fillfactor = 50);

-- Down Migration
ALTER TABLE ai_tasks RESET (fillfactor);
