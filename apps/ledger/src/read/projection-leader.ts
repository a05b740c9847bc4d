import os from 'node:os';
import { Client, type Pool } from 'pg';
import type { Logger } from 'pino';

/** First key of every projection's advisory lock (two-int form, so it cannot meet node-pg-migrate's bigint lock). */
const LOCK_CLASS = 0x4c454447; // 'LEDG'
/** application_name prefix of a lock session: `pg_stat_activity` then names the leading instance. */
const APP_PREFIX = 'ledger-leader:';
/** PostgreSQL keeps 63 bytes of application_name. */
export const MAX_INSTANCE_ID_LENGTH = 63 - APP_PREFIX.length;

export function defaultInstanceId(): string {
  return `${os.hostname()}:${process.pid}`.slice(0, MAX_INSTANCE_ID_LENGTH);
}

export interface ProjectionLeaderOptions {
  /** Connection settings of the lock's own session (the pool's, so it reaches the same database). */
  readonly connection: Pool['options'];
  readonly projection: string;
  readonly instanceId: string;
  /** How often a standby tries the lock and the leader checks its session (ms). */
  readonly retryMs: number;
  /** Longest time a dead leader's session may keep the lock, and a leader may go unconfirmed (ms). */
  readonly timeoutMs: number;
  readonly logger: Logger;
  /** Called on becoming leader: start projecting from the committed checkpoint. */
  readonly onLead: () => Promise<void>;
  /** Called on losing (or giving up) the lead: stop projecting. */
  readonly onStandDown: () => Promise<void>;
}

/**
 * Leader election for one projection: the leader holds a session-level PostgreSQL advisory lock on a dedicated
 * connection (as Marten's and Emmett's async daemons do), so PostgreSQL itself releases it when the leader's
 * session ends: a process killed outright closes its socket and the backend ends at once; a host that vanishes
 * is noticed by the TCP keepalives and `tcp_user_timeout` set on the session, within `timeoutMs`. A standby
 * tries `pg_try_advisory_lock` every `retryMs`. The leader checks its session as often, with a query bounded
 * by `timeoutMs`, and stands down when it cannot confirm it. Two leaders for a moment (one that has not yet
 * noticed) are harmless: the projector locks its checkpoint row per batch and skips what another committed.
 */
export class ProjectionLeader {
  private client: Client | null = null;
  private leading = false;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<void> = Promise.resolve();

  constructor(private readonly options: ProjectionLeaderOptions) {}

  /** Tries once (so a lone instance leads before it serves), then keeps trying or checking every `retryMs`. */
  async start(): Promise<void> {
    await this.runRound();
  }

  isLeader(): boolean {
    return this.leading;
  }

  /** Stands down (the projector commits its batch first) and ends the session, which frees the lock at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.round;
    if (this.leading) await this.standDown('shutting down');
    await this.dropSession();
  }

  private runRound(): Promise<void> {
    this.round = (this.leading ? this.confirm() : this.tryLead()).finally(() => {
      if (this.stopped) return;
      this.timer = setTimeout(() => void this.runRound(), this.options.retryMs);
      this.timer.unref();
    });
    return this.round;
  }

  private async tryLead(): Promise<void> {
    try {
      const client = await this.session();
      const { rows } = await client.query<{ ok: boolean }>(
        'SELECT pg_try_advisory_lock($1, hashtext($2) & 2147483647) AS ok',
        [LOCK_CLASS, this.options.projection],
      );
      if (!rows[0]?.ok || this.stopped) return;
      this.leading = true;
      this.options.logger.info(
        { projection: this.options.projection, instance: this.options.instanceId },
        'projection leader: this instance projects',
      );
      await this.options.onLead();
    } catch (error) {
      this.options.logger.warn({ err: error, projection: this.options.projection }, 'leader election failed');
      // Ending the session frees the lock, so a projector that could not start must not be left running either.
      if (this.leading) await this.standDown('the projector did not start');
      await this.dropSession();
    }
  }

  private async confirm(): Promise<void> {
    try {
      await this.client!.query('SELECT 1');
    } catch (error) {
      this.options.logger.warn({ err: error }, 'projection leader: lock session lost');
      await this.standDown('lock session lost');
      await this.dropSession();
    }
  }

  private async standDown(reason: string): Promise<void> {
    this.leading = false;
    this.options.logger.info(
      { projection: this.options.projection, reason },
      'projection leader: standing down',
    );
    await this.options
      .onStandDown()
      .catch((error: unknown) =>
        this.options.logger.error({ err: error }, 'projection leader: the projector did not stop cleanly'),
      );
  }

  private async session(): Promise<Client> {
    if (this.client) return this.client;
    const { timeoutMs } = this.options;
    const client = new Client({
      ...(this.options.connection as object),
      application_name: APP_PREFIX + this.options.instanceId,
      keepAlive: true,
      keepAliveInitialDelayMillis: Math.max(1000, Math.floor(timeoutMs / 2)),
      query_timeout: timeoutMs,
      connectionTimeoutMillis: timeoutMs,
    });
    client.on('error', (error) =>
      this.options.logger.warn({ err: error }, 'projection leader: lock session error'),
    );
    await client.connect();
    // The server side of the same bound: a leader whose host vanished (no FIN, no RST) loses its lock when these
    // fire, whatever idle_session_timeout says (a session-level lock lives exactly as long as its backend).
    const idle = Math.max(1, Math.floor(timeoutMs / 2000));
    await client.query(
      `SELECT set_config('tcp_keepalives_idle', $1, false), set_config('tcp_keepalives_interval', '1', false),
              set_config('tcp_keepalives_count', $2, false), set_config('tcp_user_timeout', $3, false),
              set_config('idle_session_timeout', '0', false), set_config('statement_timeout', '0', false)`,
      [String(idle), String(Math.max(1, Math.floor(timeoutMs / 1000) - idle)), String(timeoutMs)],
    );
    this.client = client;
    return client;
  }

  private async dropSession(): Promise<void> {
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }
}

/** The instance that holds a projection's lock now (from `pg_locks` and the session's application_name), or null. */
export async function currentLeader(pool: Pool, projection: string): Promise<string | null> {
  const { rows } = await pool.query<{ name: string }>(
    `SELECT a.application_name AS name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
        AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
        AND l.classid = $1::bigint::oid AND l.objid = (hashtext($2) & 2147483647)::bigint::oid
      LIMIT 1`,
    [LOCK_CLASS, projection],
  );
  const name = rows[0]?.name;
  return name?.startsWith(APP_PREFIX) ? name.slice(APP_PREFIX.length) : null;
}
