import { existsSync } from 'node:fs';
import { StoreUnavailable } from '../event-store.port';
import { eventStoreContract, type ContractHarness } from '../../test/event-store.contract';
import { eventStoreDbExtraContract } from '../../test/eventstoredb.contract-extra';
import { EventStoreDbEventStore } from './eventstoredb-event-store';

/**
 * The shared contract suite, and the EventStoreDB-only cases of issue 20 (eventstoredb.contract-extra.ts),
 * against a real EventStoreDB: the one at EVENTSTORE_URL when set, else a throwaway container when a Docker
 * engine is reachable, else both are reported as skipped (never faked), the reason in their title.
 * Capability: an event id reused in another stream is refused through the adapter's command index (the server
 * alone would write it; the extra suite asserts that too).
 */
const IMAGE = 'eventstore/eventstore:24.10';
const url = process.env.EVENTSTORE_URL;
const docker = Boolean(process.env.DOCKER_HOST) || existsSync('/var/run/docker.sock');
const available = Boolean(url) || docker;
const SKIPPED = 'skipped: no EVENTSTORE_URL and no Docker engine';
if (!available) console.warn(`EventStoreDB contract suites ${SKIPPED}`);

async function startServer(): Promise<{ url: string; stop(): Promise<void> }> {
  if (url) return { url, stop: async () => undefined };
  const { GenericContainer, Wait } = await import('testcontainers');
  const container = await new GenericContainer(IMAGE)
    .withEnvironment({
      EVENTSTORE_INSECURE: 'true',
      EVENTSTORE_RUN_PROJECTIONS: 'All',
      EVENTSTORE_MEM_DB: 'true',
    })
    .withExposedPorts(2113)
    .withWaitStrategy(Wait.forHttp('/health/live', 2113).forStatusCode(204))
    .withStartupTimeout(120_000)
    .start();
  return {
    url: `esdb://${container.getHost()}:${container.getMappedPort(2113)}?tls=false`,
    stop: async () => void (await container.stop()),
  };
}

const describeIf = available ? describe : describe.skip;

describeIf(available ? 'EventStoreDB' : `EventStoreDB (${SKIPPED})`, () => {
  eventStoreContract('EventStoreDB', async (): Promise<ContractHarness> => {
    const server = await startServer();
    const store = await EventStoreDbEventStore.connect(server.url, { timeoutMs: 10_000 });
    return {
      store,
      teardown: async () => (await store.close(), await server.stop()),
    };
  });
  eventStoreDbExtraContract(async () => {
    const server = await startServer();
    return { url: server.url, teardown: () => server.stop() };
  });
});

describe('EventStoreDB event store: connecting', () => {
  it('fails fast with a clear StoreUnavailable when no server answers', async () => {
    const started = Date.now();
    const attempt = EventStoreDbEventStore.connect('esdb://127.0.0.1:1?tls=false', { timeoutMs: 2_000 });
    await expect(attempt).rejects.toBeInstanceOf(StoreUnavailable);
    await expect(attempt).rejects.toThrow(/cannot reach EventStoreDB at esdb:\/\/127\.0\.0\.1:1\?tls=false/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('refuses a connection string that is not one, without leaking credentials', async () => {
    const attempt = EventStoreDbEventStore.connect('postgres://admin:secret@localhost:2113');
    await expect(attempt).rejects.toBeInstanceOf(StoreUnavailable);
    await expect(attempt).rejects.not.toThrow(/secret/);
  });
});
