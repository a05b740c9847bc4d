import { createAdapter } from '@socket.io/redis-streams-adapter';
import { createClient } from 'redis';
import type { Logger } from 'pino';
import type { Server } from 'socket.io';

/** Stream (and channel prefix) the instances share in Redis. */
const STREAM = 'run-ledger:socket.io';
/** Entries kept in the Redis stream: the window in which a socket.io peer that fell behind catches up. */
const STREAM_MAX_LEN = 10_000;
/** Longest wait between two reconnection attempts to Redis (ms). */
const MAX_RECONNECT_WAIT_MS = 2000;
/** At most one "Redis unreachable" warning per this many ms (the client retries much more often). */
const WARN_EVERY_MS = 10_000;

/** Servers whose broadcasts go through Redis: a room with no socket here may have some on another instance. */
const fannedOut = new WeakSet<object>();

/** Whether a broadcast on this server reaches other instances (so "no local socket" does not mean "nobody"). */
export function fansOut(server: object | undefined): boolean {
  return server !== undefined && fannedOut.has(server);
}

export interface Fanout {
  /** Makes the socket.io server broadcast through Redis. */
  attach(server: Server): void;
  close(): Promise<void>;
}

/**
 * Pushes across instances: socket.io's Redis Streams adapter. Each broadcast (`to(room).emit`) is appended to one
 * Redis stream that every instance reads, and each instance delivers it to its own sockets in that room. Streams,
 * not Pub/Sub: an instance that loses Redis for a while (or a Redis restart) resumes reading from its last offset
 * instead of silently missing what was published meanwhile. Writes never touch Redis; while it is unreachable the
 * client keeps reconnecting and broadcasts wait in its queue, so pushes resume, in order, once it is back.
 * Without `REDIS_URL`, none of this runs: one instance broadcasts in memory, as before.
 */
export function connectFanout(url: string | undefined, logger: Logger): Fanout | null {
  if (!url) return null;
  let lastWarning = 0;
  const client = createClient({
    url,
    socket: {
      reconnectStrategy: (retries) => Math.min(50 * 2 ** Math.min(retries, 6), MAX_RECONNECT_WAIT_MS),
    },
  });
  client.on('error', (error: Error) => {
    if (Date.now() - lastWarning < WARN_EVERY_MS) return;
    lastWarning = Date.now();
    logger.warn({ err: error }, 'Redis unreachable: pushes to other instances wait until it is back');
  });
  client.on('ready', () => logger.info('Redis connected: pushes reach every instance'));
  client.connect().catch((error: unknown) => logger.warn({ err: error }, 'Redis connection failed'));
  const adapter = createAdapter(client, {
    streamName: STREAM,
    channelPrefix: STREAM,
    maxLen: STREAM_MAX_LEN,
  });
  return {
    attach(server) {
      server.adapter(adapter);
      fannedOut.add(server);
    },
    async close() {
      client.destroy();
    },
  };
}
