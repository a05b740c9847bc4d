import path from 'node:path';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import type { LedgerConfig } from '@ledger/config';
import {
  checkRuntimeRole,
  createPool,
  migrate,
  ownerConnectionString,
  startEmbeddedPostgres,
  type EmbeddedDatabase,
} from '@ledger/database';
import { EventStoreDbEventStore, PostgresEventStore, type EventStore } from '@ledger/event-store';
import type { PricingFunctions } from '@ledger/domain';
import { loadPricingFunctions } from './pricing';

/** Every outside effect the ledger needs, built once before Nest starts, closed once at shutdown. */
export interface LedgerRuntime {
  readonly config: LedgerConfig;
  readonly logger: Logger;
  readonly databaseUrl: string;
  readonly pool: Pool;
  readonly store: EventStore;
  readonly pricing: PricingFunctions;
  close(): Promise<void>;
}

export async function createRuntime(config: LedgerConfig, logger: Logger): Promise<LedgerRuntime> {
  let embedded: EmbeddedDatabase | undefined;
  let databaseUrl = config.DATABASE_URL;
  if (!databaseUrl) {
    const dir = path.resolve(config.LEDGER_DATA_DIR);
    logger.info({ dir }, 'no DATABASE_URL: starting the embedded PostgreSQL');
    embedded = await startEmbeddedPostgres(dir, { log: (m) => logger.debug({ pg: m.trim() }) });
    databaseUrl = embedded.url;
  }
  const applied = await migrate(databaseUrl, {
    log: (m) => logger.debug(m),
    notice: (m) => logger.info(m),
    lockTimeoutMs: config.LEDGER_MIGRATION_LOCK_TIMEOUT * 1000,
  });
  if (applied.length) logger.info({ migrations: applied }, 'migrations applied');
  // Migrations run as the login (it may create the roles); everything after runs as ledger_owner.
  databaseUrl = ownerConnectionString(databaseUrl);
  const pool = createPool(databaseUrl, 20, (error) =>
    logger.warn({ err: error }, 'a database connection was lost'),
  );
  const role = await checkRuntimeRole(pool).catch(async (error: Error) => {
    await pool.end();
    await embedded?.stop();
    throw error;
  });
  if (role.loginIsSuperuser && !embedded)
    logger.warn(
      { login: role.sessionUser, role: role.currentUser },
      'DATABASE_URL logs in as a superuser: queries run as ledger_owner, but use a login that is not a superuser in production',
    );
  const store = await createEventStore(config, pool, databaseUrl);
  const pricing = loadPricingFunctions(config);
  logger.info(
    { eventStore: store.kind, database: embedded ? 'embedded' : 'DATABASE_URL' },
    'event store ready',
  );
  return {
    config,
    logger,
    databaseUrl,
    pool,
    store,
    pricing,
    close: async () => {
      await store.close();
      await pool.end();
      await embedded?.stop();
    },
  };
}

/** The event store the configuration names, over `pool` (a worker thread builds its own: read/projector-worker). */
export async function createEventStore(
  config: LedgerConfig,
  pool: Pool,
  databaseUrl: string,
): Promise<EventStore> {
  if (config.EVENT_STORE === 'postgres') return new PostgresEventStore(pool, databaseUrl);
  return EventStoreDbEventStore.connect(config.EVENTSTORE_URL as string, {
    maxAppendBytes: config.EVENTSTORE_MAX_APPEND_BYTES,
  });
}
