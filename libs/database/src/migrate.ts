import { existsSync } from 'node:fs';
import path from 'node:path';
import { runner } from 'node-pg-migrate';
import { Client } from 'pg';

/** The SQL migrations shipped with the project (works from sources and from dist/). */
export const MIGRATIONS_DIR = [
  path.resolve(__dirname, '../../../migrations'),
  path.resolve(__dirname, '../../../../migrations'),
].find((dir) => existsSync(path.join(dir, '1700000000000_event-store.sql'))) as string;

/** node-pg-migrate's own advisory lock id, so its CLI and this function exclude each other. */
const MIGRATION_LOCK_ID = '7241865325823964';

export interface MigrateOptions {
  /** node-pg-migrate's progress lines. */
  log?: (message: string) => void;
  /** Waiting for, and getting, the migration lock (default: `log`). */
  notice?: (message: string) => void;
  /** How long to wait for another process's migrations (default 120 s); then fail with a clear message. */
  lockTimeoutMs?: number;
}

/**
 * Applies every pending migration (node-pg-migrate, SQL files in `migrations/`). Returns the names applied.
 * Instances started together on one database take turns: the first migrates, the others wait for the lock
 * (bounded, logged) and then find nothing left to do, instead of dying with "Another migration is already
 * running" as node-pg-migrate's own try-lock would make them.
 */
export async function migrate(databaseUrl: string, options: MigrateOptions = {}): Promise<string[]> {
  const log = options.log ?? (() => undefined);
  const notice = options.notice ?? log;
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await acquireMigrationLock(client, options.lockTimeoutMs ?? 120_000, notice);
    try {
      const applied = await runner({
        dbClient: client,
        noLock: true,
        dir: MIGRATIONS_DIR,
        direction: 'up',
        migrationsTable: 'pgmigrations',
        count: Infinity,
        checkOrder: true,
        singleTransaction: true,
        log,
        verbose: false,
      });
      // Objects a later migration created as this login go to ledger_owner too (1700000000004_owner-role).
      if (applied.length > 0) {
        const { rows } = await client.query<{ fn: string | null }>(
          "SELECT to_regprocedure('ledger_adopt_objects()')::text AS fn",
        );
        if (rows[0].fn) await client.query('SELECT ledger_adopt_objects()');
      }
      return applied.map((m) => m.name);
    } finally {
      await client.query('SELECT pg_advisory_unlock($1::bigint)', [MIGRATION_LOCK_ID]).catch(() => undefined);
    }
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function acquireMigrationLock(client: Client, timeoutMs: number, log: (m: string) => void) {
  const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS ok', [
    MIGRATION_LOCK_ID,
  ]);
  if (rows[0].ok) return;
  log(`another process is migrating this database: waiting up to ${Math.round(timeoutMs / 1000)} s for it`);
  const started = Date.now();
  try {
    // A blocking wait that PostgreSQL wakes the moment the holder commits; lock_timeout bounds it.
    await client.query(`SET lock_timeout = ${Math.max(1, Math.floor(timeoutMs))}`);
    await client.query('SELECT pg_advisory_lock($1::bigint)', [MIGRATION_LOCK_ID]);
  } catch (error) {
    if ((error as { code?: string }).code === '55P03')
      throw new Error(
        `the migration lock is still held by another process after ${Math.round(timeoutMs / 1000)} s ` +
          '(a migration that hangs, or a stuck session holding advisory lock 7241865325823964)',
      );
    throw error;
  } finally {
    await client.query('RESET lock_timeout').catch(() => undefined);
  }
  log(`migration lock acquired after ${Date.now() - started} ms`);
}
