import type { Pool, PoolClient } from 'pg';
import { withTransaction } from '@ledger/database';

/** Whose rows a read may see: a user's own, and those of the runs of its teams. */
export interface ReadScope {
  readonly userId: string;
  /** Team ids (UUIDs) of the caller's token; their runs are readable too. */
  readonly teams?: readonly string[];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/** A bare user id is that user alone (no teams); a team id that is not a UUID names no run's team. */
export function readScope(reader: string | ReadScope): { userId: string; teams: string[] } {
  if (typeof reader === 'string') return { userId: reader, teams: [] };
  return { userId: reader.userId, teams: (reader.teams ?? []).filter(isUuid).map((t) => t.toLowerCase()) };
}

/**
 * Runs read-model queries as the caller: one transaction under the role `ledger_reader` with `ledger.user_id`
 * and `ledger.team_ids` set, so PostgreSQL's row-level security returns only the rows of that user's runs and
 * of its teams' runs, whatever the SQL says (migrations/1700000000008_teams.sql).
 */
export async function asUser<T>(
  pool: Pool,
  reader: string | ReadScope,
  work: (client: PoolClient) => Promise<T>,
): Promise<T> {
  const { userId, teams } = readScope(reader);
  return withTransaction(
    pool,
    async (client) => {
      await client.query('SET LOCAL ROLE ledger_reader');
      await client.query(
        "SELECT set_config('ledger.user_id', $1, true), set_config('ledger.team_ids', $2::uuid[]::text, true)",
        [userId, teams],
      );
      return work(client);
    },
    { begin: 'BEGIN READ ONLY' },
  );
}
