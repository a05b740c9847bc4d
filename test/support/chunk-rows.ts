/**
 * The `events` table chunk by chunk, for tests that check the log with SQL: one row per chunk, whether it was
 * written as a `ChunkReceived` (schema ≤ 3) or inside a `ChunksReceived` (schema 4), with the chunk's data as a
 * `ChunkReceived` holds it (runId, taskId, seq, kind, text/payload, offsetMs). Use as a table: `FROM ${CHUNK_ROWS}`.
 */
export const CHUNK_ROWS = `(SELECT e.stream_id, e.stream_revision, e.position, c.data
  FROM event_log e CROSS JOIN LATERAL (
    SELECT e.data::jsonb WHERE e.type = 'ChunkReceived'
    UNION ALL
    SELECT jsonb_build_object('runId', e.data->'runId', 'taskId', e.data->'taskId') || x
      FROM jsonb_array_elements(CASE WHEN e.type = 'ChunksReceived' THEN e.data::jsonb->'chunks' ELSE '[]'::jsonb END) x
  ) c(data)) chunk_rows`;
