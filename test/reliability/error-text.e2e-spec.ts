import { randomUUID } from 'node:crypto';
import type { Socket } from 'socket.io-client';
import type { Ack } from '@ledger/contract';
import { signToken } from '@ledger/runtime';
import { startChildLedger, type ChildLedger } from '../support/child-ledger';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { TEST_JWT_SECRET, send } from '../support/ledger-server';
import { connectRetrying } from './helpers';

/**
 * A failure inside the ledger (here, real PostgreSQL errors) reaches the client as a generic message with a
 * correlation id; PostgreSQL's own text goes to the log only, on a line that carries the same id. The ledger runs
 * as a child process so that its real log (pino JSON on stdout) can be read.
 */
describe('error text: never echoed to clients, logged with a correlation id', () => {
  let db: TestDatabase;
  let server: ChildLedger;
  let socket: Socket;
  beforeAll(async () => {
    db = await createTestDatabase();
    server = await startChildLedger(db.url);
    socket = await connectRetrying(server.url, signToken(randomUUID(), TEST_JWT_SECRET));
  });
  afterAll(async () => {
    socket?.close();
    server?.kill('SIGKILL');
    await server?.exited;
    await db?.drop();
  });

  /** The log line (parsed) that carries `correlationId`: polled, bounded, since stdout arrives on its own. */
  async function logLineWith(correlationId: string): Promise<Record<string, unknown>> {
    for (let i = 0; i < 500; i++) {
      const line = server.lines.find((l) => l.includes(correlationId));
      if (line) return JSON.parse(line) as Record<string, unknown>;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`no log line with correlation id ${correlationId}`);
  }

  function correlationIdOf(ack: Ack<unknown>): string {
    expect(ack.ok).toBe(false);
    const details = (!ack.ok && ack.error.details) as { correlationId?: unknown };
    expect(details.correlationId).toMatch(/^[0-9a-f-]{36}$/);
    return details.correlationId as string;
  }

  it('answers INTERNAL with a correlation id, not the database error, when a query fails', async () => {
    await db.pool.query('ALTER TABLE usage_daily RENAME TO usage_daily_elsewhere');
    let ack: Ack<unknown>;
    try {
      ack = await send(socket, 'usage.summary', { groupBy: 'model' });
    } finally {
      await db.pool.query('ALTER TABLE usage_daily_elsewhere RENAME TO usage_daily');
    }
    expect(ack).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
    const id = correlationIdOf(ack);
    const text = JSON.stringify(ack);
    expect(text).not.toMatch(/usage_daily|\brelation\b|does not exist|42P01/);
    expect(!ack.ok && ack.error.message).toContain(id);

    const line = await logLineWith(id);
    expect(line).toMatchObject({ correlationId: id, command: 'usage.summary', code: 'INTERNAL' });
    expect((line.err as { message?: string }).message).toBe('relation "usage_daily" does not exist');
  });

  it('answers a value the database refuses VALIDATION, with a correlation id and without PostgreSQL’s words', async () => {
    // A date the contract's schema accepts but PostgreSQL's timestamptz cannot hold (class 22 data exception).
    const ack = await send(socket, 'usage.summary', { groupBy: 'day', from: '0000-01-01' });
    expect(ack).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    const id = correlationIdOf(ack);
    expect(JSON.stringify(ack)).not.toMatch(/out of range|date\/time|0000-01-01|22008/);
    const line = await logLineWith(id);
    expect(line).toMatchObject({ correlationId: id, command: 'usage.summary', code: 'VALIDATION' });
    expect((line.err as { message?: string }).message).toMatch(/out of range/);
  });
});
