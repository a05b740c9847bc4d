/* Drives chunk ingest through the real gateway with forked load clients, while a SQL poller samples the
 * projection (`ai_tasks.chunk_count`, written with the text) to time each acked chunk's visibility. */
import { fork, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import type { Socket } from 'socket.io-client';
import type { LoadDone, LoadStart } from './load-client';
import { now, percentile, procCpuMs, procStatusKb, sleep, sortedCopy, type ServerChild } from './support';

export async function call<T = unknown>(socket: Socket, name: string, payload: unknown): Promise<T> {
  const ack = (await socket.timeout(60_000).emitWithAck(name, payload)) as {
    ok: boolean;
    data?: T;
    error?: { code: string; message: string };
  };
  if (!ack.ok) throw new Error(`${name}: ${ack.error?.code} ${ack.error?.message}`);
  return ack.data as T;
}

export interface TaskRef {
  runId: string;
  taskId: string;
}

/** Starts `runs` runs (or uses `intoRun`) and creates `tasksPerRun` tasks in each, through the gateway. */
export async function setupTasks(
  socket: Socket,
  runs: number,
  tasksPerRun: number,
  intoRun?: string,
): Promise<TaskRef[]> {
  const runIds: string[] = [];
  if (intoRun) runIds.push(intoRun);
  else
    for (let r = 0; r < runs; r++) {
      const runId = randomUUID();
      await call(socket, 'run.start', {
        runId,
        sourceType: 'chat',
        name: `bench run ${r}`,
        settings: { model: 'gpt-4o-mini', temperature: 0.7 },
      });
      runIds.push(runId);
    }
  const tasks: TaskRef[] = [];
  await Promise.all(
    runIds.map(async (runId) => {
      for (let t = 0; t < tasksPerRun; t++) {
        const taskId = randomUUID();
        const question = `Question ${t}: how does group commit work?`;
        await call(socket, 'task.create', {
          runId,
          taskId,
          service: 'chat',
          taskName: 'reply',
          provider: 'openai',
          endpoint: '/v1/chat/completions',
          model: 'gpt-4o-mini',
          requestData: {
            model: 'gpt-4o-mini',
            messages: [{ role: 'user', content: question }],
            stream: true,
          },
          userMessage: { content: question },
        });
        tasks.push({ runId, taskId });
      }
    }),
  );
  return tasks;
}

export interface DriveResult {
  chunks: number;
  commands: number;
  seconds: number;
  chunksPerSec: number;
  ackP50: number;
  ackP99: number;
  ackMax: number;
  lagP50: number;
  lagP99: number;
  lagMax: number;
  lagSamples: number;
  lagMissing: number;
  serverCpuPct: number;
  serverPeakRssMb: number;
  clientsCpuPct: number;
  postgresCpuPct: number;
  /** From the server's /metrics over the run: group-commit appends, events and commands per append, server-side ack latency. */
  appends: number;
  eventsPerAppend: number;
  commandsPerAppend: number;
  serverAckMeanMs: number;
  errors: Record<string, number>;
}

/** Sums of the counters/histograms we read from /metrics. */
async function scrape(metricsUrl: string): Promise<Record<string, number>> {
  const text = await (await fetch(metricsUrl)).text();
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const m =
      /^(ledger_append_batch_(?:events|commands)_(?:sum|count)|ledger_ack_latency_seconds_(?:sum|count))(?:\{[^}]*\})? ([0-9.e+-]+)$/.exec(
        line,
      );
    if (m) out[m[1]] = (out[m[1]] ?? 0) + Number(m[2]);
  }
  return out;
}

/** CPU ms of every process whose command name is `postgres` (the bench's PostgreSQL on this machine). */
function postgresCpuMs(): number {
  let total = 0;
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'postgres') continue;
      total += procCpuMs(Number(pid));
    } catch {
      /* gone */
    }
  }
  return total;
}

const LOAD_CLIENT = path.join(__dirname, 'load-client.js');

/** A load generator: the forked script and its start message for one process (`index` of `clients`). */
export interface LoadScript {
  script: string;
  start(index: number, share: TaskRef[]): object;
}

/**
 * Streams `chunks` chunks into every task, `perCommand` per command, from `clients` forked processes; or, with
 * `load`, runs that script in each process: it may create its own tasks and name them in its `ready` message,
 * and report the chunks it sent per task (`perTask`) in its `done` message.
 */
export async function drive(opts: {
  server: ServerChild;
  databaseUrl: string;
  token: string;
  tasks: TaskRef[];
  chunks: number;
  perCommand: number;
  clients: number;
  pollMs?: number;
  load?: LoadScript;
}): Promise<DriveResult> {
  const shares: number[][] = Array.from({ length: opts.clients }, () => []);
  opts.tasks.forEach((_, i) => shares[i % opts.clients].push(i));
  const children: ChildProcess[] = [];
  const ready: Promise<TaskRef[] | undefined>[] = [];
  const done: Promise<LoadDone & { perTask?: number[] }>[] = [];
  const clientCpu: number[] = [];
  for (const [c, share] of shares.entries()) {
    const child = fork(opts.load?.script ?? LOAD_CLIENT, [], {
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    children.push(child);
    ready.push(
      new Promise((resolve, reject) => {
        child.on(
          'message',
          (m: { type: string; tasks?: TaskRef[] }) => m.type === 'ready' && resolve(m.tasks),
        );
        child.once('exit', (code) => reject(new Error(`load client exited with ${code}`)));
      }),
    );
    const slot = clientCpu.length;
    clientCpu.push(0);
    done.push(
      new Promise((resolve, reject) => {
        child.on('message', (m: LoadDone) => {
          if (m.type !== 'done') return;
          try {
            clientCpu[slot] = procCpuMs(child.pid as number);
          } catch {
            /* exited */
          }
          resolve(m);
        });
        child.once('exit', (code) => reject(new Error(`load client exited with ${code} before reporting`)));
      }),
    );
    const mine = share.map((i) => opts.tasks[i]);
    const start: LoadStart | object = opts.load
      ? opts.load.start(c, mine)
      : {
          type: 'start',
          url: opts.server.url,
          token: opts.token,
          tasks: mine,
          chunks: opts.chunks,
          perCommand: opts.perCommand,
        };
    child.send(start);
  }
  const named = await Promise.all(ready);
  // Tasks the load clients made themselves join the list, in the clients' order (each client's share).
  const tasks = [...opts.tasks];
  named.forEach((list, c) => {
    for (const t of list ?? []) {
      shares[c].push(tasks.length);
      tasks.push(t);
    }
  });

  // The projection poller: per task, (time, visible chunk count) whenever the count changes.
  const poller = new Client({ connectionString: opts.databaseUrl });
  await poller.connect();
  const index = new Map(tasks.map((t, i) => [t.taskId, i]));
  const seenAt: number[][] = tasks.map(() => []);
  const seenCount: number[][] = tasks.map(() => []);
  const last = new Int32Array(tasks.length);
  let polling = true;
  let allVisible = false;
  let expected: number[] | undefined;
  const ids = tasks.map((t) => t.taskId);
  const pollLoop = (async () => {
    while (polling) {
      const t = now();
      const { rows } = await poller.query<{ task_id: string; n: number }>(
        // The chunk count is set by the statement that appends the text, so it is visible with it; reading it
        // costs the poller's share of PostgreSQL nothing per byte (`octet_length` of the view's whole text would).
        'SELECT task_id::text, chunk_count AS n FROM ai_tasks WHERE task_id = ANY($1::uuid[])',
        [ids],
      );
      let complete = rows.length === tasks.length;
      for (const r of rows) {
        const i = index.get(r.task_id) as number;
        const count = r.n;
        if (count > last[i]) {
          last[i] = count;
          seenAt[i].push(t);
          seenCount[i].push(count);
        }
        if (count < (expected?.[i] ?? opts.chunks)) complete = false;
      }
      allVisible = complete && (!opts.load || expected !== undefined);
      await sleep(opts.pollMs ?? 5);
    }
  })();

  const m0 = await scrape(opts.server.metricsUrl);
  const cpu0 = procCpuMs(opts.server.pid);
  const pg0 = postgresCpuMs();
  const cl0 = children.reduce((n, c) => n + procCpuMs(c.pid as number), 0);
  const wall0 = now();
  for (const c of children) c.send({ type: 'go' });
  const results = await Promise.all(done);
  const wall1 = now();
  if (opts.load) {
    const counts = new Array<number>(tasks.length).fill(0);
    results.forEach((r, c) => r.perTask?.forEach((n, k) => (counts[shares[c][k]] = n)));
    expected = counts;
  }
  const cpu1 = procCpuMs(opts.server.pid);
  const pg1 = postgresCpuMs();
  const cl1 = clientCpu.reduce((n, c) => n + c, 0);
  const m1 = await scrape(opts.server.metricsUrl);
  const d = (k: string) => (m1[k] ?? 0) - (m0[k] ?? 0);
  const serverPeakRssMb = procStatusKb(opts.server.pid, 'VmHWM') / 1024;
  const deadline = Date.now() + 60_000;
  while (!allVisible && Date.now() < deadline) await sleep(20);
  polling = false;
  await pollLoop;
  await poller.end();

  const start = Math.min(...results.map((r) => r.start));
  const end = Math.max(...results.map((r) => r.end));
  const chunks = results.reduce((n, r) => n + r.chunks, 0);
  const commands = results.reduce((n, r) => n + r.commands, 0);
  const errors: Record<string, number> = {};
  for (const r of results) for (const [k, v] of Object.entries(r.errors)) errors[k] = (errors[k] ?? 0) + v;
  const lat = sortedCopy(concat(results.map((r) => r.latencies)));

  const lags: number[] = [];
  let missing = 0;
  results.forEach((r, c) => {
    const share = shares[c];
    for (let k = 0; k < r.commands; k++) {
      const i = share[r.ackTask[k]];
      const counts = seenCount[i];
      // first observation whose count covers this command's last chunk
      let lo = 0;
      let hi = counts.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (counts[mid] > r.ackSeq[k]) hi = mid;
        else lo = mid + 1;
      }
      if (lo >= counts.length) missing++;
      else lags.push(Math.max(0, seenAt[i][lo] - r.ackAt[k]));
    }
  });
  const lagSorted = sortedCopy(lags);
  const seconds = (end - start) / 1000;
  return {
    chunks,
    commands,
    seconds,
    chunksPerSec: chunks / seconds,
    ackP50: percentile(lat, 50),
    ackP99: percentile(lat, 99),
    ackMax: lat[lat.length - 1],
    lagP50: percentile(lagSorted, 50),
    lagP99: percentile(lagSorted, 99),
    lagMax: lagSorted[lagSorted.length - 1],
    lagSamples: lags.length,
    lagMissing: missing,
    serverCpuPct: ((cpu1 - cpu0) / (wall1 - wall0)) * 100,
    serverPeakRssMb,
    clientsCpuPct: ((cl1 - cl0) / (wall1 - wall0)) * 100,
    postgresCpuPct: ((pg1 - pg0) / (wall1 - wall0)) * 100,
    appends: d('ledger_append_batch_events_count'),
    eventsPerAppend: d('ledger_append_batch_events_sum') / d('ledger_append_batch_events_count'),
    commandsPerAppend: d('ledger_append_batch_commands_sum') / d('ledger_append_batch_commands_count'),
    serverAckMeanMs: (d('ledger_ack_latency_seconds_sum') / d('ledger_ack_latency_seconds_count')) * 1000,
    errors,
  };
}

function concat(arrays: Float64Array[]): Float64Array {
  const out = new Float64Array(arrays.reduce((n, a) => n + a.length, 0));
  let o = 0;
  for (const a of arrays) {
    out.set(a, o);
    o += a.length;
  }
  return out;
}
