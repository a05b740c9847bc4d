-- Up Migration
-- Fewer bytes per event (issue 19; docs/performance.md, finding 20). Every command's events carried the same six
-- metadata fields as JSON (~235 bytes a row) and every run event a `runId` repeating its stream's id (~48 bytes);
-- at one chunk per command that was half of a row. New rows keep the six in typed columns (a uuid is 16 bytes, a
-- time 8, the payload digest's 24 bytes 25), leave out a data's leading `runId` that equals the stream's run id, and
-- pack a chunk batch (its taskId in a uuid column, each text chunk an array without its keys). The store writes
-- them so only where reading them back gives the very same event (a time in years 0001-9999, a lowercase uuid, …:
-- libs/event-store/src/postgres/event-row-codec.ts), else the row is verbatim; `metadata` then holds the keys after
-- the six (`{}` as a rule). Rows written before keep their verbatim JSON, with these columns NULL: adding nullable
-- columns rewrites nothing, and reads take both.
ALTER TABLE events
  ADD COLUMN recorded_at    bigint,
  ADD COLUMN user_id        uuid,
  ADD COLUMN command_id     uuid,
  ADD COLUMN schema_version smallint,
  ADD COLUMN payload_hash   bytea,
  ADD COLUMN command        text,
  ADD COLUMN data_layout    smallint,
  ADD COLUMN task_id        uuid,
  -- Checked for new rows only (NOT VALID: every older row has both NULL, and a check would scan the log under lock).
  ADD CONSTRAINT events_data_layout_check CHECK (data_layout IN (1, 2)) NOT VALID,
  ADD CONSTRAINT events_task_id_check CHECK ((data_layout = 2) = (task_id IS NOT NULL)) NOT VALID;

-- The events as they were appended (data and metadata as JSON, whichever layout their row has), for reading the
-- log with SQL; the store itself reads the columns (postgres-rows.ts).
CREATE VIEW event_log AS
SELECT position, transaction_id, stream_id, stream_revision, event_id, type,
  CASE data_layout
    -- 1: the data without its leading runId
    WHEN 1 THEN ('{"runId":"' || substr(stream_id, 5) || '"'
                 || CASE WHEN data::text = '{}' THEN '}' ELSE ',' || substr(data::text, 2) END)::json
    -- 2: a chunk batch: the chunks alone, a text chunk as [seq, kind, text, offsetMs] (json keeps each value's text)
    WHEN 2 THEN ('{"runId":"' || substr(stream_id, 5) || '","taskId":"' || task_id || '","chunks":['
                 || coalesce((SELECT string_agg(CASE WHEN json_typeof(c) = 'array'
                                                  THEN '{"seq":' || (c -> 0)::text || ',"kind":' || (c -> 1)::text
                                                       || ',"text":' || (c -> 2)::text || ',"offsetMs":'
                                                       || (c -> 3)::text || '}'
                                                  ELSE c::text END, ',' ORDER BY n)
                              FROM json_array_elements(data) WITH ORDINALITY AS x(c, n)), '')
                 || ']}')::json
    ELSE data END AS data,
  CASE WHEN user_id IS NULL THEN metadata
    ELSE ('{"userId":"' || user_id || '","commandId":"' || command_id || '","recordedAt":"'
          -- whole seconds and milliseconds apart, in integers (a float interval loses a millisecond past ~4253)
          || to_char(to_timestamp((recorded_at - mod(mod(recorded_at, 1000) + 1000, 1000)) / 1000) AT TIME ZONE 'UTC',
                     'YYYY-MM-DD"T"HH24:MI:SS')
          || '.' || lpad(mod(mod(recorded_at, 1000) + 1000, 1000)::text, 3, '0') || 'Z'
          || '","schemaVersion":' || schema_version || ',"command":' || to_json(command)::text
          || ',"payloadHash":"'
          || translate(rtrim(replace(encode(payload_hash, 'base64'), E'\n', ''), '='), '+/', '-_') || '"'
          || CASE WHEN metadata::text = '{}' THEN '}' ELSE ',' || substr(metadata::text, 2) END)::json
    END AS metadata
FROM events;

-- Down Migration
-- Back to verbatim JSON, key order kept (event_log's expressions).
UPDATE events e SET data = l.data, metadata = l.metadata
FROM event_log l
WHERE l.transaction_id = e.transaction_id AND l.position = e.position
  AND (e.user_id IS NOT NULL OR e.data_layout IS NOT NULL);
DROP VIEW event_log;
ALTER TABLE events
  DROP CONSTRAINT events_data_layout_check, DROP CONSTRAINT events_task_id_check,
  DROP COLUMN recorded_at, DROP COLUMN user_id, DROP COLUMN command_id, DROP COLUMN schema_version,
  DROP COLUMN payload_hash, DROP COLUMN command, DROP COLUMN data_layout, DROP COLUMN task_id;
