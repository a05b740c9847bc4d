import { eventStoreContract } from '../../test/event-store.contract';
import { FakeEsdbClient } from '../../test/fake-esdb-client';
import { EventStoreDbEventStore } from './eventstoredb-event-store';

/**
 * The shared contract suite over the client stub: the adapter's own logic (command index, paging, erasure,
 * subscription batching) keeps the port's rules wherever the stub models the server. It proves nothing about
 * the server: the same suite runs against a real one in eventstoredb-event-store.int-spec.ts.
 */
eventStoreContract('EventStoreDB adapter over a client stub', async () => {
  const store = new EventStoreDbEventStore(new FakeEsdbClient().client);
  return { store, teardown: () => store.close() };
});
