import { parentPort, workerData } from 'node:worker_threads';
import { createPool } from '@ledger/database';
import { Projector } from '@ledger/projections';
import { createEventStore } from '@ledger/runtime';
import {
  postChange,
  type FromWorker,
  emptyMemory,
  type CommitMemory,
  type ProjectorWorkerData,
  type ToWorker,
} from './projector-messages';

/**
 * The projector's worker thread (LEDGER_PROJECTOR_THREAD=on): its own pool, event store and `Projector`, driven by
 * the server's thread through messages (projector-thread.ts). Folding, writing and reading the log here keeps a
 * batch from waiting behind the socket traffic of a busy server, and that traffic from waiting behind a batch.
 */

/** The batch's transaction, its reads and `status`: a few connections, apart from the server's pool. */
const POOL_SIZE = 4;

async function main(): Promise<void> {
  const port = parentPort!;
  const data = workerData as ProjectorWorkerData;
  const send = (message: FromWorker) => port.postMessage(message);
  const pool = createPool(data.connectionString, POOL_SIZE, (error) =>
    // As the server's own pool says it (runtime.ts): the pool replaces the connection.
    send({ type: 'log', level: 'warn', message: 'a projector connection was lost', error: String(error) }),
  );
  const store = await createEventStore(data.config, pool, data.connectionString);
  const projector = new Projector({
    store,
    pool,
    batchSize: data.batchSize,
    minBatchIntervalMs: data.minBatchIntervalMs,
    logger: {
      log: (message) => send({ type: 'log', level: 'info', message }),
      error: (message, error) =>
        send({
          type: 'log',
          level: 'error',
          message,
          error: error === undefined ? undefined : String(error),
        }),
    },
  });
  let memory: CommitMemory = emptyMemory();
  projector.onCommit((change) => {
    const { posted, next } = postChange(change, memory);
    memory = next;
    send({ type: 'commit', change: posted });
  });

  const answer = (id: number, work: () => Promise<unknown>) =>
    work().then(
      (value) => send({ type: 'reply', id, value }),
      (error: unknown) =>
        send({ type: 'reply', id, error: error instanceof Error ? error.message : String(error) }),
    );
  // start, stop and close one after another, in the order sent: a stop that arrives while a start is still reading
  // its checkpoint then stops what that start subscribed (status and waitFor need no turn).
  let turns: Promise<unknown> = Promise.resolve();
  const inTurn = (id: number, work: () => Promise<unknown>) => {
    turns = turns.then(() => answer(id, work));
  };
  port.on('message', (message: ToWorker) => {
    switch (message.type) {
      case 'start':
        return inTurn(message.id, () => projector.start());
      case 'stop':
        return inTurn(message.id, () => projector.stop());
      case 'status':
        return void answer(message.id, () => projector.status());
      case 'waitFor':
        return void answer(message.id, () => projector.waitFor(message.position));
      case 'close':
        return inTurn(message.id, async () => {
          await projector.stop();
          await store.close();
          await pool.end();
        }); // the server's thread then ends this thread
    }
  });
  send({ type: 'reply', id: 0 });
}

// A thread that cannot get ready says why and ends (the server's side then starts another, later).
void main().catch((error: unknown) => {
  parentPort!.postMessage({
    type: 'reply',
    id: 0,
    error: error instanceof Error ? error.message : String(error),
  } satisfies FromWorker);
  process.exit(1); // in a worker: ends this thread only
});
