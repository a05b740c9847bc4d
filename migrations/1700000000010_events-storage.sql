-- Up Migration
-- Denser event rows (issue 19; measured in docs/performance.md, "Bytes per chunk"):
--   * The global order (transaction_id, position) becomes the primary key. The key on `position` alone served no
--     read (every read orders and pages by (transaction_id, position), and position comes from a sequence), so
--     one index of four goes: ~22 bytes per event and one index insertion per event fewer.
--   * data and metadata are `json` rather than `jsonb`: the text as the store wrote it (compact JSON.stringify
--     output), checked to be JSON and kept as it is. Reads parse it to the same values (node-pg parses both
--     types), `->>` works on both, and no index or query of the store needs jsonb's decomposed form; jsonb cost
--     ~15 % more bytes per event, ~20 % more CPU to insert and twice as much to read out (it is re-serialised on
--     every read). The store still refuses what jsonb would refuse (event-columns.ts), so a row is always
--     convertible back.
--   * Reads of one stream use an index on (hashtext(stream_id), stream_revision) instead of the unique constraint
--     on (stream_id, stream_revision): the stream id ("run-" and a UUID, 40 bytes) was the key of every entry,
--     and with many streams written at once that index was the largest of the table (~130 bytes per event, half
--     full pages from splits in the middle). A 4-byte hash keeps ~45. Reads (postgres-read.ts, erase) name both
--     the hash and the stream id, so a hash shared by two streams costs a recheck, never a wrong row. The
--     uniqueness it also gave is the streams table's job: every append and erasure locks the stream's row and
--     checks its revision before writing (postgres-append.ts), and no other path writes events.
-- The ALTERs rewrite the table once (an ACCESS EXCLUSIVE lock for the time of the rewrite: run it in a
-- maintenance window on a large log).
ALTER TABLE events DROP CONSTRAINT events_pkey;
ALTER TABLE events DROP CONSTRAINT events_stream_revision_key;
DROP INDEX IF EXISTS events_global_order_idx;
ALTER TABLE events
  ALTER COLUMN data TYPE json USING data::json,
  ALTER COLUMN metadata TYPE json USING metadata::json,
  ADD CONSTRAINT events_pkey PRIMARY KEY (transaction_id, position);
CREATE INDEX IF NOT EXISTS events_stream_idx ON events (hashtext(stream_id), stream_revision);

-- Down Migration
DROP INDEX IF EXISTS events_stream_idx;
ALTER TABLE events DROP CONSTRAINT events_pkey;
ALTER TABLE events
  ALTER COLUMN data TYPE jsonb USING data::jsonb,
  ALTER COLUMN metadata TYPE jsonb USING metadata::jsonb,
  ADD CONSTRAINT events_pkey PRIMARY KEY (position),
  ADD CONSTRAINT events_stream_revision_key UNIQUE (stream_id, stream_revision);
CREATE INDEX IF NOT EXISTS events_global_order_idx ON events (transaction_id, position);
