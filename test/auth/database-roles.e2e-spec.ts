import { randomBytes, randomUUID } from 'node:crypto';
import { Client, type Pool } from 'pg';
import { PostgresEventStore } from '@ledger/event-store';
import { rebuild } from '@ledger/projections';
import { startLedger, type RunningLedger } from '../../apps/ledger/src/bootstrap';
import { signToken } from '@ledger/runtime';
import { ProjectionHost } from '../../apps/ledger/src/read/projection-host';
import { urlWithDatabase } from '../support/database';
import {
  connectClient,
  ok,
  startTestLedger,
  TEST_JWT_SECRET,
  type TestLedger,
} from '../support/ledger-server';

/** The read models' tables, and the view `ai_tasks` over `ai_task_rows` (migration …015). */
const READ_MODELS = ['ai_runs', 'ai_task_rows', 'ai_tasks', 'usage_daily'];

/** Resolves once the ledger's projector has committed everything now in the log (a signal, not a timer). */
async function projected(ledger: RunningLedger): Promise<void> {
  const head = await ledger.runtime.store.headPosition();
  if (head) await ledger.app.get(ProjectionHost).projector.waitFor(head);
}

/** Starts a run for a new user over a real socket and waits until it is projected. */
async function runOfNewUser(
  ledger: RunningLedger,
  admin = false,
): Promise<{ userId: string; runId: string }> {
  const userId = randomUUID();
  const socket = await connectClient(ledger.url, signToken(userId, TEST_JWT_SECRET, { admin }));
  try {
    const { runId } = await ok<{ runId: string }>(socket, 'run.start', { sourceType: 'chat', settings: {} });
    await projected(ledger);
    return { userId, runId };
  } finally {
    socket.close();
  }
}

/** An admin starts a run, rebuilds the read models over a socket, and finds the run in them. */
async function expectRebuildKeepsNewRun(ledger: RunningLedger): Promise<void> {
  const { userId, runId } = await runOfNewUser(ledger, true);
  const socket = await connectClient(ledger.url, signToken(userId, TEST_JWT_SECRET, { admin: true }));
  try {
    await ok(socket, 'projections.rebuild', {});
    expect(await ok(socket, 'run.get', { runId })).toMatchObject({ run: { id: runId } });
  } finally {
    socket.close();
  }
}

/** One transaction on a runtime connection (ledger_owner), with `ledger.user_id` set when a user is given. */
async function inTransaction<T>(pool: Pool, userId: string | null, work: (c: Client) => Promise<T>) {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    if (userId) await client.query("SELECT set_config('ledger.user_id', $1, true)", [userId]);
    return await work(client as unknown as Client);
  } finally {
    await client.query('ROLLBACK');
    client.release();
  }
}

async function tableSecurity(pool: Pool) {
  // A table under forced row-level security, or a view that reads as whoever queries it (so the policies of its
  // table apply to ledger_reader, not to the view's owner).
  const { rows } = await pool.query<{ relname: string; owner: string; kind: string; secured: boolean }>(
    `SELECT relname, relowner::regrole::text AS owner, relkind::text AS kind,
            CASE relkind WHEN 'v' THEN coalesce(reloptions @> '{security_invoker=true}', false)
              ELSE relrowsecurity AND relforcerowsecurity END AS secured
     FROM pg_class WHERE relname = ANY($1) AND relnamespace = 'public'::regnamespace ORDER BY relname`,
    [READ_MODELS],
  );
  return rows;
}

const secured = [...READ_MODELS].sort().map((relname) => ({
  relname,
  owner: 'ledger_owner',
  kind: relname === 'ai_tasks' ? 'v' : 'r',
  secured: true,
}));

describe('database roles: the server runs as ledger_owner, not a superuser, under FORCE row-level security', () => {
  let t: TestLedger;
  beforeAll(async () => {
    t = await startTestLedger(); // DATABASE_URL logs in as a superuser here, as in the tests and CI
  });
  afterAll(async () => t?.close());

  it("the runtime pool's role is ledger_owner, neither superuser nor BYPASSRLS", async () => {
    const { rows } = await t.ledger.runtime.pool.query(
      `SELECT current_user AS role, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user`,
    );
    expect(rows).toEqual([{ role: 'ledger_owner', rolsuper: false, rolbypassrls: false }]);
    expect(await tableSecurity(t.pool)).toEqual(secured);
  });

  it('a query with no WHERE, as the owner role with a user context, sees only that user’s rows', async () => {
    const alice = await runOfNewUser(t.ledger);
    const bob = await runOfNewUser(t.ledger);
    const seen = await inTransaction(t.ledger.runtime.pool, alice.userId, (c) =>
      c.query('SELECT id FROM ai_runs UNION ALL SELECT run_id FROM ai_tasks'),
    );
    expect(seen.rows).toEqual([{ id: alice.runId }]);
    // The projector's view (no user context) still covers every run.
    const all = await inTransaction(t.ledger.runtime.pool, null, (c) =>
      c.query('SELECT id FROM ai_runs WHERE id = ANY($1)', [[alice.runId, bob.runId]]),
    );
    expect(all.rows).toHaveLength(2);
  });

  it('refuses, in a user context, writing a row of another user', async () => {
    const alice = await runOfNewUser(t.ledger);
    const bob = await runOfNewUser(t.ledger);
    await expect(
      inTransaction(t.ledger.runtime.pool, alice.userId, (c) =>
        c.query('UPDATE ai_runs SET user_id = $1 WHERE id = $2', [bob.userId, alice.runId]),
      ),
    ).rejects.toThrow(/row-level security/);
    const hidden = await inTransaction(t.ledger.runtime.pool, alice.userId, (c) =>
      c.query('DELETE FROM ai_runs WHERE id = $1', [bob.runId]),
    );
    expect(hidden.rowCount).toBe(0);
  });

  it('a rebuild run by a superuser (as the CLI may) leaves the tables to ledger_owner, forced', async () => {
    await rebuild({ store: new PostgresEventStore(t.pool, t.db.url), pool: t.pool });
    expect(await tableSecurity(t.pool)).toEqual(secured);
    const after = await runOfNewUser(t.ledger); // the server still projects into the swapped tables
    expect(after.runId).toBeDefined();
  });
});

describe('database roles: a login that is not a superuser', () => {
  const login = `ledger_login_${randomBytes(5).toString('hex')}`;
  const database = `ledger_t_${randomBytes(6).toString('hex')}`;
  const password = randomBytes(12).toString('hex');
  let bootstrap: TestLedger;
  let admin: Client;
  let ledger: RunningLedger | undefined;

  beforeAll(async () => {
    bootstrap = await startTestLedger(); // makes sure the cluster-wide roles exist (a DBA's one-time step)
    admin = new Client({ connectionString: process.env.TEST_ADMIN_URL });
    await admin.connect();
    // The documented DBA setup: a login in ledger_owner that owns its database, with no other rights.
    await admin.query(`CREATE ROLE ${login} LOGIN PASSWORD '${password}' IN ROLE ledger_owner`);
    await admin.query(`CREATE DATABASE ${database} OWNER ${login}`);
  });
  afterAll(async () => {
    await ledger?.close();
    await bootstrap?.close();
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.query(`DROP ROLE IF EXISTS ${login}`);
    await admin.end();
  });

  it('migrates a fresh database, runs, and rebuilds under ledger_owner', async () => {
    const url = new URL(urlWithDatabase(process.env.TEST_ADMIN_URL as string, database));
    url.username = login;
    url.password = password;
    ledger = await startLedger({
      DATABASE_URL: url.toString(),
      LEDGER_JWT_SECRET: TEST_JWT_SECRET,
      PORT: '0',
      HOST: '127.0.0.1',
      LEDGER_METRICS_PORT: '0',
      LEDGER_LOG_LEVEL: 'silent',
    });
    const { rows } = await ledger.runtime.pool.query('SELECT current_user AS role, session_user AS login');
    expect(rows).toEqual([{ role: 'ledger_owner', login }]);
    await expectRebuildKeepsNewRun(ledger);
    expect(await tableSecurity(ledger.runtime.pool)).toEqual(secured);
  });

  it('rebuilds where the role may not create temporary tables (REVOKE TEMPORARY … FROM PUBLIC)', async () => {
    if (!ledger) throw new Error('the previous test starts the ledger');
    await admin.query(`REVOKE TEMPORARY ON DATABASE ${database} FROM PUBLIC`);
    const { rows } = await ledger.runtime.pool.query(
      "SELECT has_database_privilege(current_database(), 'TEMPORARY') AS temp",
    );
    expect(rows).toEqual([{ temp: false }]);
    await expectRebuildKeepsNewRun(ledger);
  });
});
