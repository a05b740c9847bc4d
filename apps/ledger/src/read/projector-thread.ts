import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { GlobalPosition } from '@ledger/event-store';
import type { ProjectorChange } from '@ledger/projections';
import {
  receiveChange,
  type FromWorker,
  emptyMemory,
  type CommitMemory,
  type ProjectorStatuses,
  type ProjectorWorkerData,
  type ToWorker,
} from './projector-messages';

/** What the server asks of its projector, in this thread or in a worker (projection-host.ts). */
export interface HostedProjector {
  readonly name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  waitFor(position: GlobalPosition): Promise<void>;
  status(): Promise<ProjectorStatuses>;
  onCommit(listener: (change: ProjectorChange) => void): () => void;
  /** Ends what the projector holds (its thread): after `stop`, at shutdown. */
  close(): Promise<void>;
}

type Pending = { resolve: (value: unknown) => void; reject: (error: Error) => void };

/**
 * How long after a projector thread's unexpected exit a new one is started: 1 s, doubled after each thread that
 * failed before it was ready (the database away…), up to 30 s.
 */
const RESPAWN_MS = 1000;
const RESPAWN_MAX_MS = 30_000;

/**
 * The projector in a worker thread (projector-worker.ts), behind the same calls as the `Projector` itself: each
 * is a message answered by the worker, and each commit comes back as the same `ProjectorChange`, so the pushes,
 * budget alerts and reads that listen to commits do not know where it runs. A thread that exits unexpectedly is
 * replaced (and started again if it was running) after RESPAWN_MS or longer; what was asked of it meanwhile fails.
 */
export class ProjectorThread implements HostedProjector {
  readonly name = 'runs';
  private worker!: Worker;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Set<(change: ProjectorChange) => void>();
  private memory: CommitMemory = emptyMemory();
  private nextId = 1;
  private ready!: Promise<unknown>;
  private exited: Error | null = null;
  /** Whether the projector should be running (started and not stopped): a new thread is started again. */
  private wanted = false;
  private closing = false;
  private respawn?: NodeJS.Timeout;
  private respawns = 0;
  private isReady = false;

  constructor(
    private readonly data: ProjectorWorkerData,
    private readonly logger: Logger,
  ) {
    this.spawn();
  }

  start(): Promise<void> {
    this.wanted = true;
    return this.ask({ type: 'start', id: this.nextId++ });
  }
  stop(): Promise<void> {
    this.wanted = false;
    return this.ask({ type: 'stop', id: this.nextId++ });
  }
  waitFor(position: GlobalPosition): Promise<void> {
    return this.ask({ type: 'waitFor', id: this.nextId++, position });
  }
  status(): Promise<ProjectorStatuses> {
    return this.ask({ type: 'status', id: this.nextId++ });
  }
  onCommit(listener: (change: ProjectorChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.closing = true;
    clearTimeout(this.respawn);
    if (this.exited) return;
    await this.ask({ type: 'close', id: this.nextId++ }).catch(() => undefined);
    await this.worker.terminate();
  }

  private spawn(): void {
    const worker = spawnWorker(this.data);
    this.worker = worker;
    this.exited = null;
    this.memory = emptyMemory(); // a new thread has sent no commit yet
    this.isReady = false;
    this.ready = new Promise((resolve, reject) => this.pending.set(0, { resolve, reject }));
    this.ready.then(
      () => worker === this.worker && (this.isReady = true),
      () => undefined, // the first call reports it
    );
    worker.on('message', (message: FromWorker) => this.receive(message));
    worker.on('error', (error) => {
      this.logger.error({ err: error, projection: this.name }, 'the projector thread failed');
      this.fail(error);
    });
    worker.on('exit', (code) => {
      if (worker !== this.worker) return;
      this.fail(new Error(`the projector thread exited (${code})`));
      if (this.closing) return;
      // Its rows and checkpoint commit together: a new thread resumes from the checkpoint. (The pushes of a batch
      // committed just before the exit are not sent.)
      this.logger.error({ projection: this.name, code }, 'the projector thread exited: starting a new one');
      const delay = Math.min(RESPAWN_MS * 2 ** this.respawns, RESPAWN_MAX_MS);
      this.respawns += 1;
      this.respawn = setTimeout(() => {
        this.spawn();
        void this.ready.then(
          () => {
            this.respawns = 0;
            // Asked once the thread is ready, and only if nobody stopped the projector meanwhile (a leader
            // standing down): the new thread takes start and stop in the order they are sent.
            if (this.wanted && !this.closing)
              this.ask({ type: 'start', id: this.nextId++ }).catch((error: unknown) =>
                this.logger.error(
                  { err: error, projection: this.name },
                  'the new projector thread did not start',
                ),
              );
          },
          () => undefined, // it exits, and the next one is tried later
        );
      }, delay);
    });
  }

  /** Handed to the thread at once when it is ready (a caller's later wait does not delay it), else once it is. */
  private async ask<T>(message: ToWorker): Promise<T> {
    if (!this.isReady) await this.ready;
    if (this.exited) throw this.exited;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(message.id, { resolve: resolve as (value: unknown) => void, reject });
      this.worker.postMessage(message);
    });
  }

  private receive(message: FromWorker): void {
    if (message.type === 'reply') {
      const waiting = this.pending.get(message.id);
      this.pending.delete(message.id);
      if (message.error === undefined) waiting?.resolve(message.value);
      else waiting?.reject(new Error(message.error));
    } else if (message.type === 'commit') {
      const { change, next } = receiveChange(message.change, this.memory);
      this.memory = next;
      for (const listener of this.listeners) {
        try {
          listener(change);
        } catch (error) {
          this.logger.error({ err: error, projection: this.name }, 'a projector listener failed');
        }
      }
    } else this.logger[message.level]({ projection: this.name, err: message.error }, message.message);
  }

  private fail(error: Error): void {
    this.exited ??= error;
    for (const waiting of this.pending.values()) waiting.reject(error);
    this.pending.clear();
  }
}

/**
 * The compiled worker (dist); under ts-node or ts-jest the TypeScript file, compiled as it loads (slower to start,
 * same code).
 */
function spawnWorker(data: ProjectorWorkerData): Worker {
  const compiled = path.join(__dirname, 'projector-worker.js');
  if (__filename.endsWith('.js')) return new Worker(compiled, { workerData: data });
  const source = path.join(__dirname, 'projector-worker.ts');
  const root = path.resolve(__dirname, '../../../..');
  const boot = [
    `require('ts-node').register({ transpileOnly: true, project: ${JSON.stringify(path.join(root, 'tsconfig.json'))} });`,
    `const paths = require('tsconfig-paths');`,
    `const found = paths.loadConfig(${JSON.stringify(root)});`,
    `paths.register({ baseUrl: found.absoluteBaseUrl, paths: found.paths });`,
    `require(${JSON.stringify(source)});`,
  ].join('\n');
  return new Worker(boot, { eval: true, workerData: data });
}
