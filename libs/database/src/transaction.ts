import type { Pool, PoolClient, QueryResult } from 'pg';

export interface TransactionOptions {
  /** The statement that opens it (default `BEGIN`), e.g. `BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY`. */
  readonly begin?: string;
  /** Turns a failure to check a connection out into the caller's error (e.g. the store's "unavailable"). */
  readonly onConnectError?: (error: unknown) => Error;
}

/** What `work` is told of its transaction, and may tell back. */
export interface Transaction {
  /** What the opening statement(s) returned: one result, or one per statement when `begin` holds several. */
  readonly begun: QueryResult | QueryResult[];
  /** The work sent COMMIT itself, as the last statement of its last round trip: no COMMIT is sent after it. */
  committed(): void;
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
  work: (client: PoolClient, transaction: Transaction) => Promise<T>,
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
    const begun = (await client.query(options.begin ?? 'BEGIN')) as QueryResult | QueryResult[];
    let committed = false;
    const result = await work(client, { begun, committed: () => (committed = true) });
    if (!committed) await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError));
    throw error;
  } finally {
    client.removeListener('error', ignore);
    client.release(broken);
  }
}
