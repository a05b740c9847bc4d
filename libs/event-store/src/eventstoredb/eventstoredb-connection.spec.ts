import { randomUUID } from 'node:crypto';
import { EventStoreDBClient } from '@eventstore/db-client';
import * as unary from '@eventstore/db-client/dist/streams/appendToStream/append';
import * as batch from '@eventstore/db-client/dist/streams/appendToStream/batchAppend';
import { StoreUnavailable } from '../event-store.port';
import { appendCredentials, connectionProblem, connectionSettings, redact } from './eventstoredb-connection';
import { EventStoreDbEventStore } from './eventstoredb-event-store';

const event = () => ({
  id: randomUUID(),
  type: 'RunStarred',
  data: {},
  metadata: {
    userId: randomUUID(),
    commandId: randomUUID(),
    recordedAt: new Date(0).toISOString(),
    schemaVersion: 1,
  },
});

describe('EventStoreDB connection string', () => {
  it('reads TLS, credentials and node preference', () => {
    expect(connectionSettings('esdb://localhost:2113?tls=false')).toEqual({
      insecure: true,
      credentials: null,
      nodePreference: null,
    });
    expect(
      connectionSettings(
        'esdb+discover://ad%40min:p%3Ass@a:2113,b:2113?nodePreference=leader&tlsVerifyCert=false',
      ),
    ).toEqual({
      insecure: false,
      credentials: { username: 'ad@min', password: 'p:ss' },
      nodePreference: 'leader',
    });
    expect(redact('esdb://admin:changeit@a:2113?tls=true')).toBe('esdb://***@a:2113?tls=true');
  });

  it('refuses a node preference other than the leader, and a secure node without a user', () => {
    expect(connectionProblem(connectionSettings('esdb://a:2113?tls=false&nodePreference=follower'))).toMatch(
      /must read and write on the leader/,
    );
    expect(connectionProblem(connectionSettings('esdb://a:2113'))).toMatch(/needs a user/);
    expect(
      connectionProblem(connectionSettings('esdb://admin:changeit@a:2113?nodePreference=Leader')),
    ).toBeNull();
  });

  it('refuses such a string at connect, before any call, without its password', async () => {
    const attempt = EventStoreDbEventStore.connect(
      'esdb://admin:secret@a:2113?tls=false&nodePreference=random',
    );
    await expect(attempt).rejects.toBeInstanceOf(StoreUnavailable);
    await expect(attempt).rejects.not.toThrow(/secret/);
  });

  // The real client's choice (appendToStream/index.js): batch append whenever the server supports it and the
  // call carries no credentials. Its batch append shares one promise table process-wide; the adapter's
  // credentials keep every append on the unary call.
  it('makes the real client take its unary Append, never batch append, even when the server offers it', async () => {
    const client = EventStoreDBClient.connectionString('esdb://127.0.0.1:1?tls=false');
    Object.assign(client, { supports: async () => true });
    const ok = { success: true, nextExpectedRevision: 0n, position: { commit: 1n, prepare: 1n } };
    const viaUnary = jest.spyOn(unary, 'append').mockResolvedValue(ok);
    const viaBatch = jest.spyOn(batch, 'batchAppend').mockResolvedValue(ok);
    try {
      const credentials = appendCredentials(connectionSettings('esdb://127.0.0.1:1?tls=false'));
      const store = new EventStoreDbEventStore(client, { appendCredentials: credentials });
      await store.appendToStream(
        `run-${randomUUID()}`,
        [
          {
            id: randomUUID(),
            type: 'RunStarred',
            data: {},
            metadata: { userId: 'u', commandId: 'c', recordedAt: '', schemaVersion: 1 },
          },
        ],
        -1,
      );
      expect(viaUnary).toHaveBeenCalledTimes(2); // the command claim, then the run's events
      expect(viaBatch).not.toHaveBeenCalled();

      // Without them the same client picks batch append: the rule the guard relies on is real.
      await new EventStoreDbEventStore(client, { appendCredentials: null }).appendToStream(
        `run-${randomUUID()}`,
        [event()],
        -1,
      );
      expect(viaBatch).toHaveBeenCalledTimes(2);
      expect(viaUnary).toHaveBeenCalledTimes(2);
    } finally {
      viaUnary.mockRestore();
      viaBatch.mockRestore();
      await client.dispose();
    }
  });
});
