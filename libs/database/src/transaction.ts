import type { Pool, PoolClient } from 'pg';

export interface TransactionOptions {
  /** The statement that opens it (default `BEGIN`), e.g. `BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY`. */
  readonly begin?: string;
  /** Turns a failure to check a connection out into the caller's error (e.g. the store's "unavailable"). */
  readonly onConnectError?: (error: unknown) => Error;
}

/**
 * Runs `work` in one transaction on one pooled connection: COMMIT when it resolves, ROLLBACK when it throws (the
 * work's error is what the caller sees), the connection released either way, and discarded when even ROLLBACK
 * failed. While checked out, the pool no longer listens for the connection's errors, and a connection killed
 * between two queries emits 'error' (an uncaught exception without a listener): the listener here swallows it;
 * the next query fails on its own.
 */
export async function withTransaction<T>(
  pool: Pool,
  work: (client: PoolClient) => Promise<T>,
  options: TransactionOptions = {},
): Promise<T> {
  let client: PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    throw options.onConnectError ? options.onConnectError(error) : error;
  }
  const ignore = () => undefined;
  client.on('error', ignore);
  let broken: Error | undefined;
  try {
    await client.query(options.begin ?? 'BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError));
    throw error;
  } finally {
    client.removeListener('error', ignore);
    client.release(broken);
  }
}
