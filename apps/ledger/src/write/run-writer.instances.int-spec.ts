import { randomUUID } from 'node:crypto';
import { chunksOf, toRunStreamId, type RunEvent } from '@ledger/domain';
import {
  PostgresEventStore,
  type ReadStreamOptions,
  type RecordedEvent,
  type StoredEvent,
} from '@ledger/event-store';
import { loadPricing } from '@ledger/pricing';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/database';
import { taskPayload, writeRequest } from '../../../../test/support/run-requests';
import { RunWriter, type PricingFunctions } from './run-writer';

/** The real PostgreSQL store, counting what each stream read returned (to see how much a conflict re-reads). */
class RecordingStore extends PostgresEventStore {
  readonly reads: Array<{ streamId: string; from: number; events: number }> = [];
  override async readStream<Ev extends StoredEvent = RunEvent>(
    streamId: string,
    options?: ReadStreamOptions,
  ): Promise<RecordedEvent<Ev>[]> {
    const events = await super.readStream<Ev>(streamId, options);
    this.reads.push({ streamId, from: options?.fromRevision ?? 0, events: events.length });
    return events;
  }
}

const prices = loadPricing({});
const pricing: PricingFunctions = { price: (r) => prices.price(r), estimate: (r) => prices.estimate(r) };

const request = writeRequest;
const task = taskPayload;

const chunk = (runId: string, taskId: string, seq: number) => ({
  runId,
  taskId,
  seq,
  kind: 'text',
  text: `${seq};`,
  offsetMs: seq,
});

/** Two writers on one store stand for two ledger instances: each caches the runs it wrote. */
describe('RunWriter: a run written through several instances', () => {
  let db: TestDatabase;
  let store: RecordingStore;
  let a: RunWriter;
  let b: RunWriter;
  const userId = randomUUID();

  beforeAll(async () => {
    db = await createTestDatabase();
    store = new RecordingStore(db.pool, db.url);
    a = new RunWriter(store, pricing);
    b = new RunWriter(store, pricing);
  });
  afterAll(async () => {
    await a.close();
    await b.close();
    await store.close();
    await db.drop();
  });

  async function startRun(): Promise<{ runId: string; taskId: string }> {
    const runId = randomUUID();
    await a.submit(request(userId, 'run.start', { runId, sourceType: 'chat', settings: {} }));
    const t = task(runId);
    await a.submit(request(userId, 'task.create', t));
    return { runId, taskId: t.taskId };
  }

  const seqsInLog = async (runId: string) =>
    (await store.readStream(toRunStreamId(runId))).flatMap((e) => chunksOf(e)).map((c) => c.seq);

  it('alternate chunks of one task through two instances are all accepted, and a conflict reads only what it missed', async () => {
    const { runId, taskId } = await startRun();
    const N = 60;
    for (let seq = 0; seq < N; seq++) {
      const writer = seq % 2 === 0 ? a : b;
      await expect(writer.submit(request(userId, 'task.chunk', chunk(runId, taskId, seq)))).resolves.toEqual({
        seq,
      });
    }
    // After its first load, a writer behind the log reads from its cached revision on: never the whole stream again.
    const tail = store.reads.filter((r) => r.streamId === toRunStreamId(runId)).slice(-N / 2);
    expect(tail).toHaveLength(N / 2);
    expect(tail.every((r) => r.from > 0 && r.events === 1)).toBe(true);
    expect(await seqsInLog(runId)).toEqual(Array.from({ length: N }, (_, i) => i));
  });

  it('commands racing on one run from two instances (group commits) are all accepted, each once', async () => {
    const { runId } = await startRun();
    const tasks = [task(runId), task(runId)];
    await a.submit(request(userId, 'task.create', tasks[0]));
    await b.submit(request(userId, 'task.create', tasks[1]));
    const N = 80;
    const acks = await Promise.all(
      tasks.flatMap((t, i) =>
        Array.from({ length: N }, (_, seq) =>
          (i === 0 ? a : b).submit(request(userId, 'task.chunk', chunk(runId, t.taskId, seq))),
        ),
      ),
    );
    expect(acks).toHaveLength(2 * N);
    const events = await store.readStream(toRunStreamId(runId));
    for (const t of tasks)
      expect(
        events
          .flatMap((e) => chunksOf(e))
          .filter((c) => c.taskId === t.taskId)
          .map((c) => c.seq),
      ).toEqual(Array.from({ length: N }, (_, i) => i));
  });

  it('a command retried through another instance is answered as before and stored once', async () => {
    const { runId, taskId } = await startRun();
    const first = request(userId, 'task.chunk', chunk(runId, taskId, 0));
    await expect(a.submit(first)).resolves.toEqual({ seq: 0 });
    await expect(b.submit({ ...first })).resolves.toEqual({ seq: 0 });
    await expect(b.submit(request(userId, 'task.chunk', chunk(runId, taskId, 1)))).resolves.toEqual({
      seq: 1,
    });
    // And a restarted instance (a new writer, empty cache) knows it from the log.
    const c = new RunWriter(store, pricing);
    await expect(c.submit({ ...first })).resolves.toEqual({ seq: 0 });
    await c.close();
    expect(await seqsInLog(runId)).toEqual([0, 1]);
  });

  it('a command invalid against the log is still refused (a gap in seq), after checking the log', async () => {
    const { runId, taskId } = await startRun();
    await expect(b.submit(request(userId, 'task.chunk', chunk(runId, taskId, 5)))).rejects.toMatchObject({
      code: 'CONFLICT',
    });
    expect(await seqsInLog(runId)).toEqual([]);
  });
});
