-- Up Migration
-- How a streaming task's text is stored (issue 19; docs/performance.md, finding 22). The projector appends each
-- batch's chunks to `ai_tasks.response_text` (`response_text || appended`): PostgreSQL writes the whole text as a
-- new value, and with the default compression (pglz) compresses all of it again, on every batch, for every
-- streaming task. For 200 tasks of 5 KB that was 31 ms a statement; 9.4 ms with lz4, 10.2 ms uncompressed (2.6 ms
-- for texts small enough to stay in the row). So the text is compressed with lz4 where the server has it
-- (PostgreSQL 14 or later built with lz4, as the Debian, PGDG and most hosted packages are), and is kept
-- uncompressed otherwise (the embedded server's build has only pglz). Values are unchanged: values written from now
-- on are stored this way, older ones as they are until they are next written. A rebuild's new table keeps both
-- settings (rebuild.ts).
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY (enumvals)) THEN
    EXECUTE 'ALTER TABLE ai_tasks ALTER COLUMN response_text SET COMPRESSION lz4';
  ELSE
    EXECUTE 'ALTER TABLE ai_tasks ALTER COLUMN response_text SET STORAGE EXTERNAL';
  END IF;
END $$;

-- Down Migration
ALTER TABLE ai_tasks ALTER COLUMN response_text SET STORAGE EXTENDED;
DO $$
BEGIN
  IF current_setting('server_version_num')::int >= 140000 THEN
    EXECUTE 'ALTER TABLE ai_tasks ALTER COLUMN response_text SET COMPRESSION default';
  END IF;
END $$;
