import { randomUUID } from 'node:crypto';
import type { Socket } from 'socket.io-client';
import type { ProjectionStatus } from '@ledger/contract';
import { signToken } from '@ledger/runtime';
import { startChildLedger, type ChildLedger } from '../support/child-ledger';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { ok, TEST_JWT_SECRET } from '../support/ledger-server';
import { connectRetrying } from '../reliability/helpers';

/** A ledger instance of a test cluster: its child process and its `LEDGER_INSTANCE_ID`. */
export interface Instance {
  readonly id: string;
  readonly ledger: ChildLedger;
}

/** Starts one instance per id on one database, one after another (each on a free port, named by its id). */
export async function startInstances(
  databaseUrl: string,
  ids: readonly string[],
  env: Record<string, string> = {},
): Promise<Instance[]> {
  const started: Instance[] = [];
  for (const id of ids) started.push(await startInstance(databaseUrl, id, env));
  return started;
}

export async function startInstance(
  databaseUrl: string,
  id: string,
  env: Record<string, string> = {},
): Promise<Instance> {
  return { id, ledger: await startChildLedger(databaseUrl, { LEDGER_INSTANCE_ID: id, ...env }) };
}

export async function stopInstances(instances: readonly Instance[]): Promise<void> {
  for (const i of instances) if (i.ledger.process.exitCode === null) i.ledger.kill('SIGKILL');
  await Promise.all(instances.map((i) => i.ledger.exited));
}

export const adminToken = () => signToken(randomUUID(), TEST_JWT_SECRET, { admin: true });

export async function projectionStatus(socket: Socket): Promise<ProjectionStatus> {
  const { projections } = await ok<{ projections: ProjectionStatus[] }>(socket, 'projections.status', {});
  return projections[0];
}

/** Polls `projections.status` through `socket` until `accept` holds (bounded); resolves with that status. */
export async function waitForStatus(
  socket: Socket,
  accept: (s: ProjectionStatus) => boolean,
  timeoutMs = 20_000,
): Promise<ProjectionStatus> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await projectionStatus(socket);
    if (accept(status)) return status;
    if (Date.now() > deadline) throw new Error(`status never matched: ${JSON.stringify(status)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export function connectTo(instance: Instance, token: string): Promise<Socket> {
  return connectRetrying(instance.ledger.url, token);
}

/** A test file's cluster: a fresh database, the instances it starts, and the sockets to close; torn down after all. */
export interface ClusterFixture {
  readonly db: TestDatabase;
  instances: Instance[];
  readonly sockets: Socket[];
  start(ids: readonly string[], env?: Record<string, string>): Promise<Instance[]>;
}

export function useCluster(): ClusterFixture {
  let db: TestDatabase | undefined;
  const fixture: ClusterFixture = {
    get db() {
      if (!db) throw new Error('the cluster database exists only inside tests');
      return db;
    },
    instances: [],
    sockets: [],
    start: async (ids, env) => (fixture.instances = await startInstances(fixture.db.url, ids, env)),
  };
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    for (const s of fixture.sockets) s.close();
    await stopInstances(fixture.instances);
    await db?.drop();
  });
  return fixture;
}
