import type { Pool } from 'pg';

/** The role that owns the ledger's objects and that the server runs as (migration 1700000000004). */
export const OWNER_ROLE = 'ledger_owner';

/**
 * The connection string the server uses: the same login and database, acting as `ledger_owner` from the
 * first statement (the `role` startup parameter, so no query runs before it and a pooled connection never
 * carries another role). The login must be a superuser or a member of ledger_owner.
 */
export function ownerConnectionString(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  const options = url.searchParams.get('options');
  url.searchParams.set('options', `${options ? `${options} ` : ''}-c role=${OWNER_ROLE}`);
  return url.toString();
}

export interface RuntimeRole {
  /** The role queries run as (ledger_owner). */
  readonly currentUser: string;
  /** The login of DATABASE_URL. */
  readonly sessionUser: string;
  readonly loginIsSuperuser: boolean;
}

/**
 * Reads which roles the pool runs as, and refuses a runtime role that would skip row-level security (a
 * superuser or BYPASSRLS role ignores every policy, FORCE included).
 */
export async function checkRuntimeRole(pool: Pool): Promise<RuntimeRole> {
  const { rows } = await pool.query<{
    current_user: string;
    session_user: string;
    bypasses: boolean;
    login_super: boolean;
  }>(
    `SELECT current_user, session_user,
            (SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user) AS bypasses,
            (SELECT rolsuper FROM pg_roles WHERE rolname = session_user) AS login_super`,
  );
  const row = rows[0];
  if (row.bypasses)
    throw new Error(
      `the database role ${row.current_user} is a superuser or BYPASSRLS: row-level security would not hold`,
    );
  return { currentUser: row.current_user, sessionUser: row.session_user, loginIsSuperuser: row.login_super };
}
