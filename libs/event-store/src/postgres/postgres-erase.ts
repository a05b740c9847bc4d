import type { Pool } from 'pg';
import { withTransaction } from '@ledger/database';
import { StoreUnavailable, type NewEvent } from '../event-store.port';
import { EventColumns, encodeAppend, insertEvents } from './event-columns';
import { toStoreError } from './postgres-errors';
import { EVENTS_CHANNEL, ONE_STREAM } from './postgres-rows';

/**
 * Erasure in one transaction: the stream's events are deleted and the tombstone is written at the next revision
 * (so readers see the stream move on), with the stream's row locked against a concurrent append.
 */
export async function eraseStream(pool: Pool, streamId: string, tombstone: NewEvent): Promise<void> {
  try {
    await withTransaction(
      pool,
      async (client) => {
        const { rows } = await client.query<{ revision: string }>(
          'SELECT revision FROM streams WHERE stream_id = $1 FOR UPDATE',
          [streamId],
        );
        const next = rows.length ? Number(rows[0].revision) + 1 : 0;
        await client.query(`DELETE FROM events WHERE ${ONE_STREAM}`, [streamId]);
        const row = new EventColumns();
        row.add(encodeAppend({ streamId, expectedRevision: 'any', events: [tombstone] }), next - 1);
        await client.query(insertEvents(1), row.params());
        await client.query(
          'INSERT INTO streams (stream_id, revision) VALUES ($1, $2) ON CONFLICT (stream_id) DO UPDATE SET revision = EXCLUDED.revision',
          [streamId, next],
        );
        await client.query(`NOTIFY ${EVENTS_CHANNEL}`);
      },
      { onConnectError: (error) => new StoreUnavailable('event store unavailable', error) },
    );
  } catch (error) {
    throw toStoreError(error);
  }
}
