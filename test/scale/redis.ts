import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { freePort } from '@ledger/database';

export const SHARED_REDIS_URL = 'redis://127.0.0.1:6379';

/** Synchronously (so a suite can be skipped at load time): whether a Redis answers PING at host:port. */
export function redisAnswers(host = '127.0.0.1', port = 6379): boolean {
  const probe = `const s=require('net').connect(${port},'${host}',()=>s.write('PING\\r\\n'));
    s.setTimeout(2000,()=>process.exit(1));s.on('error',()=>process.exit(1));
    s.on('data',(d)=>process.exit(String(d).startsWith('+PONG')?0:1));`;
  return spawnSync(process.execPath, ['-e', probe], { timeout: 5000 }).status === 0;
}

/** Whether a `redis-server` binary is on the PATH (to run a private one that a test may kill and restart). */
export function redisServerInstalled(): boolean {
  return spawnSync('redis-server', ['--version'], { timeout: 5000 }).status === 0;
}

export interface PrivateRedis {
  readonly url: string;
  readonly port: number;
  process: ChildProcess;
  /** Kills the server (SIGKILL: no goodbye to its clients) and waits until it has exited. */
  kill(): Promise<void>;
  /** Starts it again on the same port, empty (no persistence), as after a crash. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** A private `redis-server` on a free port, without persistence; never the shared one at 6379. */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  const launch = async (): Promise<ChildProcess> => {
    const child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      {
        stdio: 'ignore',
      },
    );
    const deadline = Date.now() + 10_000;
    while (!redisAnswers('127.0.0.1', port)) {
      if (Date.now() > deadline || child.exitCode !== null)
        throw new Error(`redis-server did not start on ${port}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return child;
  };
  const exited = (child: ChildProcess) =>
    child.exitCode !== null || child.signalCode !== null
      ? Promise.resolve()
      : new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const redis: PrivateRedis = {
    url: `redis://127.0.0.1:${port}`,
    port,
    process: await launch(),
    async kill() {
      redis.process.kill('SIGKILL');
      await exited(redis.process);
    },
    async restart() {
      redis.process = await launch();
    },
    async stop() {
      await redis.kill();
    },
  };
  return redis;
}
