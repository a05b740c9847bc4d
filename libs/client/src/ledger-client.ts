import {
  commandSchemas,
  MAX_CHUNKS_PER_COMMAND,
  type AckData,
  type CommandName,
  type CommandPayload,
  type WriteCommandName,
} from '@ledger/contract';
import { Connection } from './connection';
import type { ClientCore } from './core';
import { LedgerClientError, TransportInterrupted } from './errors';
import { Outbox } from './outbox';
import { ReplayStream } from './replay';
import { RunSubscriptions } from './run-subscriptions';
import { toResumeMessages, type ResumedRun } from './resume';
import { LedgerRun } from './run';
import { compact } from './task';
import type {
  LedgerClientOptions,
  ListRunsInput,
  ReplayInput,
  RunAtInput,
  RunsPage,
  RunWithTasks,
  RunAtResult,
  StartRunInput,
  SubscriptionHandlers,
  UsageSummary,
  UsageSummaryInput,
} from './types';

const DEFAULTS = {
  flushIntervalMs: 10,
  maxBatch: 50,
  maxBufferedCommands: 10_000,
  maxOfflineMs: 60_000,
  ackTimeoutMs: 15_000,
};

/** Connects to a ledger server (docs/protocol.md §4). The socket reconnects by itself; writes are delivered exactly once. */
export function connectLedger(options: LedgerClientOptions): LedgerClient {
  return new LedgerClient(options);
}

export class LedgerClient {
  private readonly connection: Connection;
  private readonly outbox: Outbox;
  private readonly core: ClientCore;
  private readonly bufferingTasks = new Set<{ flushBuffer(): void }>();
  private readonly unreported: LedgerClientError[] = [];
  private readonly subscriptions: RunSubscriptions;
  private readonly replays = new Map<string, Promise<unknown>>();
  private readonly options: Required<Omit<LedgerClientOptions, 'onError' | 'socketOptions'>> &
    Pick<LedgerClientOptions, 'onError' | 'socketOptions'>;
  private closed = false;
  /** Whether `listRuns` was called: a reconnect then lists again, so the runs list's pushes keep coming. */
  private listsRuns = false;

  constructor(options: LedgerClientOptions) {
    this.options = { ...DEFAULTS, now: () => performance.now(), ...compact(options) };
    if (this.options.maxBatch < 1 || this.options.maxBatch > MAX_CHUNKS_PER_COMMAND)
      throw new LedgerClientError('VALIDATION', `maxBatch must be between 1 and ${MAX_CHUNKS_PER_COMMAND}`);
    this.connection = new Connection(this.options);
    this.outbox = new Outbox(this.connection, this.options);
    this.core = this.makeCore();
    const subs = new RunSubscriptions(this.core, () => this.connection.connected, this.options.onError);
    this.subscriptions = subs;
    this.connection.on('run.updated', (p) => subs.dispatch(p.run.id, (h) => h.onRun?.(p.run)));
    this.connection.on('task.updated', (p) => subs.dispatch(p.task.runId, (h) => h.onTask?.(p.task)));
    this.connection.onReconnect(() => {
      subs.resubscribe();
      // The runs list's pushes go to a socket that listed runs; a new socket lists again to keep getting them.
      if (this.listsRuns) void this.core.read('runs.list', { limit: 1 }).catch(() => undefined);
    });
  }

  /** True while the socket is connected. */
  get connected(): boolean {
    return this.connection.connected;
  }

  /** Write commands not yet acknowledged. */
  get pendingCommands(): number {
    return this.outbox.size;
  }

  /** Starts a run (`run.start`; runId generated when omitted) and resolves once it is recorded. */
  async startRun(input: StartRunInput): Promise<LedgerRun> {
    const runId = input.runId ?? this.core.newId();
    await this.core.write(runId, 'run.start', { ...input, runId });
    return new LedgerRun(this.core, runId);
  }

  /** A handle on an existing run, to add tasks to it or rename/star/archive/delete it. */
  run(runId: string): LedgerRun {
    return new LedgerRun(this.core, runId);
  }

  /**
   * Picks a run up where it stopped: its handle (the next `createTask` adds to the same run), its read model, and its
   * conversation in OpenAI and Anthropic message formats, to send as the history of the next task.
   */
  async resumeRun(runId: string): Promise<ResumedRun> {
    const { run, tasks } = await this.getRun(runId);
    return {
      run: new LedgerRun(this.core, runId),
      view: run,
      tasks,
      messages: toResumeMessages(run.messages),
    };
  }

  getRun(runId: string): Promise<RunWithTasks> {
    return this.core.read('run.get', { runId });
  }

  /**
   * A page of the caller's runs. From then on this client also gets the live list's pushes (`runs.changed`,
   * `runs.removed`; see `onPush`), after a reconnect too.
   */
  listRuns(input: ListRunsInput = {}): Promise<RunsPage> {
    this.listsRuns = true;
    return this.core.read('runs.list', input);
  }

  /** The run as it was at `version` (inclusive) or at time `at`. */
  runAt(runId: string, input: RunAtInput = {}): Promise<RunAtResult> {
    return this.core.read('run.at', { ...input, runId });
  }

  usageSummary(input: UsageSummaryInput): Promise<UsageSummary> {
    return this.core.read('usage.summary', input);
  }

  /** Any read command of the protocol (e.g. `projections.status` for an admin). */
  request<N extends Exclude<CommandName, WriteCommandName | 'run.replay'>>(
    name: N,
    payload: CommandPayload<N>,
  ): Promise<AckData[N]> {
    return this.core.read(name, payload);
  }

  /**
   * A command by name, for servers newer than this SDK. One it knows is validated and retried like any read; one it
   * does not is sent once, and since a server that does not know a command never answers, no answer within
   * `timeoutMs` (default ackTimeoutMs) is `UNAVAILABLE`.
   */
  async command<T = unknown>(
    name: string,
    payload: Record<string, unknown> = {},
    options: { timeoutMs?: number } = {},
  ): Promise<T> {
    if (name in commandSchemas) return (await this.core.read(name as CommandName, payload as never)) as T;
    const timeoutMs = options.timeoutMs ?? this.options.ackTimeoutMs;
    await this.connection.waitConnected();
    try {
      return (await this.connection.send(name as CommandName, payload as never, timeoutMs)) as T;
    } catch (e) {
      if (!(e instanceof TransportInterrupted)) throw e;
      throw new LedgerClientError(
        'UNAVAILABLE',
        `${name} got no answer within ${timeoutMs} ms`,
        undefined,
        name,
      );
    }
  }

  /** Listens to a push by name (e.g. `runs.changed`); returns the function that stops listening. */
  onPush<T = unknown>(event: string, listener: (payload: T) => void): () => void {
    this.connection.listen(event, listener as (payload: unknown) => void);
    return () => this.connection.unlisten(event, listener as (payload: unknown) => void);
  }

  /**
   * Subscribes to a run's `run.updated` / `task.updated` pushes; resolves (once the server has subscribed) with the
   * function that unsubscribes. Subscriptions are renewed after a reconnect.
   */
  subscribe(runId: string, handlers: SubscriptionHandlers): Promise<() => Promise<void>> {
    return this.subscriptions.subscribe(runId, handlers);
  }

  /**
   * Replays a run's events (`run.replay`): `for await (const frame of ledger.replay(runId, { speed: 0 }))`. The
   * iteration ends when the server acks the replay; `.done` resolves with `{ runId, events }`.
   */
  replay(runId: string, input: ReplayInput = {}): ReplayStream {
    const parsed = commandSchemas['run.replay'].safeParse({ ...input, runId });
    const previous = this.replays.get(runId) ?? Promise.resolve();
    const stream = new ReplayStream(
      this.connection,
      runId,
      input,
      parsed.success ? previous : Promise.reject(validationError('run.replay', parsed.error)),
    );
    const settled = stream.done.catch(() => undefined);
    this.replays.set(runId, settled);
    void settled.then(() => this.replays.get(runId) === settled && this.replays.delete(runId));
    return stream;
  }

  /**
   * Sends every buffered chunk and resolves when every write so far is acknowledged. Rejects with the first error of a
   * chunk batch (one no other promise reported) since the last flush.
   */
  async flush(): Promise<void> {
    [...this.bufferingTasks].forEach((t) => t.flushBuffer());
    await this.outbox.settled();
    const [first] = this.unreported.splice(0);
    if (first) throw first;
  }

  /** Flushes (see flush()), then disconnects. */
  async close(): Promise<void> {
    if (this.closed) return;
    try {
      await this.flush();
    } finally {
      this.closed = true;
      this.connection.close();
    }
  }

  private makeCore(): ClientCore {
    const { options, outbox, connection } = this;
    const read = async <N extends CommandName>(name: N, payload: CommandPayload<N>): Promise<AckData[N]> => {
      const parsed = commandSchemas[name].safeParse(payload);
      if (!parsed.success) throw validationError(name, parsed.error);
      const start = options.now();
      while (true) {
        await connection.waitConnected();
        try {
          return await connection.send(name, compact(payload), options.ackTimeoutMs);
        } catch (e) {
          if (!(e instanceof TransportInterrupted)) throw e;
          if (options.now() - start > options.maxOfflineMs)
            throw new LedgerClientError(
              'UNAVAILABLE',
              `${name} got no answer within ${options.maxOfflineMs} ms`,
              undefined,
              name,
            );
        }
      }
    };
    return {
      flushIntervalMs: options.flushIntervalMs,
      maxBatch: options.maxBatch,
      now: options.now,
      newId: () => globalThis.crypto.randomUUID(),
      write: (runId, name, body) => {
        if (this.closed)
          return Promise.reject(
            new LedgerClientError('UNAVAILABLE', 'the ledger client is closed', undefined, name),
          );
        const payload = compact({ ...body, commandId: globalThis.crypto.randomUUID() });
        // A chunk batch is made by its task (task.ts) of chunks each checked as handed over, at most
        // MAX_CHUNKS_PER_COMMAND, with the ids createTask checked: parsing it again cost as much as the first check.
        if (name !== 'task.chunks') {
          const parsed = commandSchemas[name].safeParse(payload);
          if (!parsed.success) return Promise.reject(validationError(name, parsed.error));
        }
        return outbox.send(runId, name, payload as never);
      },
      read,
      reportError: (error) => {
        this.unreported.push(error);
        options.onError?.(error);
      },
      consumeError: (error) => {
        const i = this.unreported.indexOf(error);
        if (i >= 0) this.unreported.splice(i, 1);
      },
      trackTask: (task, active) =>
        active ? this.bufferingTasks.add(task) : this.bufferingTasks.delete(task),
    };
  }
}

function validationError(name: string, error: { message: string; issues: unknown }): LedgerClientError {
  return new LedgerClientError('VALIDATION', `invalid ${name} payload: ${error.message}`, error.issues, name);
}
