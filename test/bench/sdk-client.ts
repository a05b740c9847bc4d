/* A load-generator process for the realistic scenario (forked by the bench): streaming tasks driven through the
 * SDK (@run-ledger/client) with its default batching, each task handing over one token every 10–50 ms (uniform,
 * the pace of a model's stream) for `seconds`, then completing. Reports, per chunk batch the SDK sent, its ack
 * latency (SDK write → ack: what a caller of `flush()` waits, queueing in the run's lane included) and its ack
 * time, for the projection-lag join in drive.ts. */
import { connectLedger, type LedgerTask } from '@run-ledger/client';
import { chunkText } from './support';
import type { LoadDone } from './load-client';

export interface SdkStart {
  type: 'start';
  url: string;
  token: string;
  streams: number;
  seconds: number;
  /** Token interval bounds, ms. */
  minGapMs: number;
  maxGapMs: number;
}

type Write = (
  runId: string,
  name: string,
  body: { taskId?: string; chunks?: Array<{ seq: number }> },
) => Promise<unknown>;

const wall = (): number => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function run(cfg: SdkStart): Promise<void> {
  const send = process.send?.bind(process) as (m: unknown) => void;
  const ledger = connectLedger({
    url: cfg.url,
    token: cfg.token,
    socketOptions: { transports: ['websocket'] },
  });
  // The bench's only hook into the SDK: time every `task.chunks` write the SDK's batching makes.
  const core = (ledger as unknown as { core: { write: Write } }).core;
  const write = core.write.bind(core);
  const taskIndex = new Map<string, number>();
  const latencies: number[] = [];
  const ackTask: number[] = [];
  const ackSeq: number[] = [];
  const ackAt: number[] = [];
  const errors: Record<string, number> = {};
  let counting = false;
  core.write = (runId, name, body) => {
    const t0 = performance.now();
    const result = write(runId, name, body);
    if (name !== 'task.chunks' || !counting) return result;
    const i = taskIndex.get(body.taskId as string) as number;
    const last = (body.chunks as Array<{ seq: number }>).at(-1)?.seq as number;
    return result.then(
      (ack) => {
        const t1 = performance.now();
        latencies.push(t1 - t0);
        ackTask.push(i);
        ackSeq.push(last);
        ackAt.push(performance.timeOrigin + t1);
        return ack;
      },
      (error: { code?: string }) => {
        errors[error.code ?? 'UNKNOWN'] = (errors[error.code ?? 'UNKNOWN'] ?? 0) + 1;
        throw error;
      },
    );
  };

  const tasks: LedgerTask[] = [];
  for (let s = 0; s < cfg.streams; s += 50)
    await Promise.all(
      Array.from({ length: Math.min(50, cfg.streams - s) }, async (_, k) => {
        const r = await ledger.startRun({ sourceType: 'chat', name: `sdk stream ${s + k}`, settings: {} });
        const task = await r.createTask({
          service: 'chat',
          taskName: 'reply',
          provider: 'openai',
          endpoint: '/v1/chat/completions',
          model: 'gpt-4o-mini',
          requestData: { model: 'gpt-4o-mini', stream: true },
        });
        tasks.push(task);
      }),
    );
  tasks.forEach((t, i) => taskIndex.set(t.taskId, i));
  await new Promise<void>((resolve) => {
    process.on('message', (m: { type: string }) => m.type === 'go' && resolve());
    send({ type: 'ready', tasks: tasks.map((t) => ({ runId: t.runId, taskId: t.taskId })) });
  });
  counting = true;
  const start = wall();
  const stopAt = performance.now() + cfg.seconds * 1000;
  let chunks = 0;
  await Promise.all(
    tasks.map(async (task) => {
      // Streams start spread over the first gap, as requests arriving at random would.
      await sleep(Math.random() * cfg.maxGapMs);
      while (performance.now() < stopAt) {
        task.chunk(chunkText(task.chunkCount));
        chunks++;
        await sleep(cfg.minGapMs + Math.random() * (cfg.maxGapMs - cfg.minGapMs));
      }
      await task
        .complete({ usage: { inputTokens: 100, outputTokens: task.chunkCount } })
        .catch(() => undefined);
    }),
  );
  const end = wall();
  await ledger.close();
  const done: LoadDone & { perTask: number[] } = {
    type: 'done',
    start,
    end,
    chunks,
    commands: latencies.length,
    errors,
    latencies: Float64Array.from(latencies),
    ackTask: Int32Array.from(ackTask),
    ackSeq: Int32Array.from(ackSeq),
    ackAt: Float64Array.from(ackAt),
    perTask: tasks.map((t) => t.chunkCount),
  };
  await new Promise<void>((resolve, reject) =>
    process.send?.(done, undefined, {}, (error) => (error ? reject(error) : resolve())),
  );
}

process.once('message', (m: SdkStart) => {
  if (m.type !== 'start') return;
  run(m).then(
    () => process.disconnect?.(),
    (error: Error) => {
      process.stderr.write(`sdk-client failed: ${error.stack ?? error.message}\n`);
      process.exit(1);
    },
  );
});
