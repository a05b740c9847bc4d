import type { Pool } from 'pg';
import { io, type Socket } from 'socket.io-client';
import { randomUUID } from 'node:crypto';
import type { Ack } from '@ledger/contract';
import { startLedger, type RunningLedger, type StartOptions } from '../../apps/ledger/src/bootstrap';
import { signToken } from '@ledger/runtime';
import { createTestDatabase, type TestDatabase } from './database';

export const TEST_JWT_SECRET = 'test-secret-for-the-run-ledger-e2e';

export interface TestLedger {
  url: string;
  pool: Pool;
  db: TestDatabase;
  ledger: RunningLedger;
  token(userId?: string, opts?: { admin?: boolean }): string;
  /** Server-side kill of live sockets (one user's, or all). */
  disconnectSockets(userId?: string): void;
  close(): Promise<void>;
}

/** The real ledger, in this process, on a free port, over a fresh database of the tests' PostgreSQL. */
export async function startTestLedger(
  env: Record<string, string> = {},
  options: StartOptions = {},
): Promise<TestLedger> {
  const db = await createTestDatabase({ migrate: false });
  const ledger = await startLedger(
    {
      DATABASE_URL: db.url,
      LEDGER_JWT_SECRET: TEST_JWT_SECRET,
      PORT: '0',
      HOST: '127.0.0.1',
      LEDGER_METRICS_PORT: '0',
      LEDGER_LOG_LEVEL: 'silent',
      // `EVENT_STORE=eventstoredb npm run test:e2e` runs the e2e suite on EventStoreDB.
      ...(process.env.EVENT_STORE && { EVENT_STORE: process.env.EVENT_STORE }),
      ...(process.env.EVENTSTORE_URL && { EVENTSTORE_URL: process.env.EVENTSTORE_URL }),
      ...env,
    },
    options,
  );
  return {
    url: ledger.url,
    pool: db.pool,
    db,
    ledger,
    token: (userId = randomUUID(), opts = {}) => signToken(userId, TEST_JWT_SECRET, opts),
    disconnectSockets: (userId) => ledger.gateway.disconnectSockets(userId),
    close: async () => {
      await ledger.close();
      await db.drop();
    },
  };
}

/** A connected socket.io client (rejects with the connect_error message). */
export function connectClient(url: string, token?: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = io(url, {
      auth: token === undefined ? {} : { token },
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
    });
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (e) => {
      socket.close();
      reject(e);
    });
  });
}

/** Emits a command and resolves with its ack. */
export function send<T = unknown>(socket: Socket, name: string, payload?: unknown): Promise<Ack<T>> {
  return socket.timeout(30_000).emitWithAck(name, payload) as Promise<Ack<T>>;
}

/** Emits a command that must succeed and resolves with its data. */
export async function ok<T = unknown>(socket: Socket, name: string, payload?: unknown): Promise<T> {
  const ack = await send<T>(socket, name, payload);
  if (!ack.ok) throw new Error(`${name} failed: ${ack.error.code} ${ack.error.message}`);
  return ack.data;
}

/** Resolves with the first push of `event` that satisfies `predicate` (waits for a signal, never a timer). */
export function waitForEvent<T>(
  socket: Socket,
  event: string,
  predicate: (payload: T) => boolean = () => true,
): Promise<T> {
  return new Promise((resolve) => {
    const listener = (payload: T) => {
      if (!predicate(payload)) return;
      socket.off(event, listener);
      resolve(payload);
    };
    socket.on(event, listener);
  });
}

export { taskPayload } from './run-requests';
