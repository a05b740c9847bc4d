import type { Pool, PoolClient } from 'pg';
import { withTransaction } from '@ledger/database';

/**
 * Runs read-model queries as the caller: one transaction under the role `ledger_reader` with `ledger.user_id`
 * set, so PostgreSQL's row-level security returns only that user's rows whatever the SQL says.
 */
export async function asUser<T>(
  pool: Pool,
  userId: string,
  work: (client: PoolClient) => Promise<T>,
): Promise<T> {
  return withTransaction(
    pool,
    async (client) => {
      await client.query('SET LOCAL ROLE ledger_reader');
      await client.query("SELECT set_config('ledger.user_id', $1, true)", [userId]);
      return work(client);
    },
    { begin: 'BEGIN READ ONLY' },
  );
}
