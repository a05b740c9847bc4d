import { chunkInput, isPlainTextChunk, MAX_CHUNKS_PER_COMMAND, type ChunkInput } from '@ledger/contract';
import type { ClientCore } from './core';
import { LedgerClientError } from './errors';
import type {
  ChunkContent,
  CompleteTaskInput,
  CompleteTaskResult,
  FailTaskInput,
  FailTaskResult,
} from './types';

/** What provider helpers (and anything else that records a stream) need from a task. */
export interface RecordableTask {
  chunk(content: string | ChunkContent): void;
  complete(input?: CompleteTaskInput): Promise<unknown>;
  fail(error: unknown, input?: FailTaskInput): Promise<unknown>;
}

/**
 * A task being recorded. `chunk()` is synchronous: chunks are numbered (seq 0,1,2…), stamped with their offset from the
 * task's creation on a monotonic clock, buffered, and sent as `task.chunks` every flushIntervalMs or maxBatch chunks.
 */
export class LedgerTask implements RecordableTask {
  private buffer: ChunkInput[] = [];
  private nextSeq = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  /** Chunk batches of this task sent and not yet settled. */
  private sending = 0;
  private readonly errors: LedgerClientError[] = [];
  /** No more chunks are taken. */
  private ended = false;
  /** complete() or fail() is under way (or done). */
  private finished = false;

  constructor(
    private readonly core: ClientCore,
    readonly runId: string,
    readonly taskId: string,
    /** Monotonic time (ms) at which createTask was called: chunk offsets are relative to it. */
    readonly createdAt: number,
  ) {}

  /** The number of chunks handed over so far (the next chunk's seq). */
  get chunkCount(): number {
    return this.nextSeq;
  }

  chunk(content: string | ChunkContent): void {
    if (this.ended)
      throw new LedgerClientError(
        'CONFLICT',
        `task ${this.taskId} has ended: no more chunks`,
        undefined,
        'task.chunks',
      );
    const offsetMs = Math.max(0, Math.round(this.core.now() - this.createdAt));
    const seq = this.nextSeq;
    // A model's tokens, tens a second per stream: checked without a schema parse where that is the same check.
    if (typeof content === 'string' && isPlainTextChunk(content, seq, offsetMs))
      this.buffer.push({ text: content, seq, offsetMs });
    else
      this.buffer.push(parseChunk(typeof content === 'string' ? { text: content } : content, seq, offsetMs));
    this.nextSeq++;
    if (this.buffer.length >= Math.min(this.core.maxBatch, MAX_CHUNKS_PER_COMMAND)) this.flushBuffer();
    else {
      this.core.trackTask(this, true);
      // While a batch of this task is unacked, chunks gather and go out as one batch when it settles: a stream
      // faster than the ack's round trip would otherwise queue one command per interval in the run's lane, which
      // sends one at a time, and wait longer and longer (bench: realistic scenario, docs/performance.md).
      if (!this.timer && this.sending === 0)
        this.timer = setTimeout(() => this.flushBuffer(), this.core.flushIntervalMs);
    }
  }

  /** Turns the buffered chunks into one `task.chunks` command (queued, in order, behind this run's earlier commands). */
  flushBuffer(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.core.trackTask(this, false);
    if (this.buffer.length === 0) return;
    const chunks = this.buffer;
    this.buffer = [];
    const sent = this.core
      .write(this.runId, 'task.chunks', { runId: this.runId, taskId: this.taskId, chunks })
      .then(
        () => undefined,
        (e: unknown) => {
          const error = toClientError(e);
          this.errors.push(error);
          this.core.reportError(error);
        },
      );
    this.inFlight.add(sent);
    this.sending++;
    void sent.then(() => {
      this.inFlight.delete(sent);
      this.sending--;
      if (this.sending === 0 && this.buffer.length > 0 && !this.timer) this.flushBuffer();
    });
  }

  /** Resolves when every chunk handed over so far is acked; rejects with the first chunk batch that failed. */
  async flush(): Promise<void> {
    this.flushBuffer();
    await Promise.all([...this.inFlight]);
    this.throwChunkError();
  }

  /**
   * Sends the remaining chunks, then `task.complete`, and resolves with its ack (cost, tokensTotal, usageSource).
   * `totalTimeMs` defaults to the time since createTask on the same clock as the chunk offsets. If a chunk batch was
   * refused, the task is not completed and the error is thrown (call `fail()` to close it).
   */
  async complete(input: CompleteTaskInput = {}): Promise<CompleteTaskResult> {
    const totalTimeMs = input.totalTimeMs ?? Math.max(0, Math.round(this.core.now() - this.createdAt));
    this.finish();
    await Promise.all([...this.inFlight]);
    try {
      this.throwChunkError();
    } catch (e) {
      this.finished = false; // not completed: fail() may still close it
      throw e;
    }
    return this.core.write(this.runId, 'task.complete', {
      ...input,
      totalTimeMs,
      runId: this.runId,
      taskId: this.taskId,
    });
  }

  /** Sends the remaining chunks, then `task.fail` with the error's code (when it has one) and message. */
  async fail(error: unknown, input: FailTaskInput = {}): Promise<FailTaskResult> {
    this.finish();
    this.errors.forEach((e) => this.core.consumeError(e));
    this.errors.length = 0;
    return this.core.write(this.runId, 'task.fail', {
      ...input,
      runId: this.runId,
      taskId: this.taskId,
      error: describeError(error),
    });
  }

  /** No more chunks; the remaining ones are queued; only one of complete()/fail() goes out. */
  private finish(): void {
    if (this.finished)
      throw new LedgerClientError('CONFLICT', `task ${this.taskId} has already been completed or failed`);
    this.flushBuffer();
    this.ended = true;
    this.finished = true;
  }

  private throwChunkError(): void {
    const [first] = this.errors;
    if (!first) return;
    this.errors.forEach((e) => this.core.consumeError(e));
    this.errors.length = 0;
    throw first;
  }
}

/** `{ code?, message }` of a thrown value: a provider SDK's error keeps its code (or HTTP status) and message. */
export function describeError(error: unknown): { code?: string; message: string } {
  if (typeof error === 'string') return { message: error.slice(0, 100_000) };
  if (error && typeof error === 'object') {
    const e = error as { code?: unknown; status?: unknown; name?: unknown; message?: unknown };
    const code =
      typeof e.code === 'string' && e.code.length > 0
        ? e.code
        : typeof e.status === 'number'
          ? `HTTP_${e.status}`
          : typeof e.name === 'string' && e.name !== 'Error' && e.name.length > 0
            ? e.name
            : undefined;
    const message = typeof e.message === 'string' ? e.message : String(error);
    return code === undefined
      ? { message }
      : { code: code.slice(0, 200), message: message.slice(0, 100_000) };
  }
  return { message: String(error) };
}

/** A chunk as `task.chunks` takes it, or the VALIDATION error the server would answer. */
function parseChunk(body: ChunkContent, seq: number, offsetMs: number): ChunkInput {
  const parsed = chunkInput.safeParse({ ...body, seq, offsetMs });
  if (!parsed.success)
    throw new LedgerClientError(
      'VALIDATION',
      `invalid chunk: ${parsed.error.message}`,
      parsed.error.issues,
      'task.chunks',
    );
  return compact({ ...body, seq, offsetMs }) as ChunkInput;
}

function toClientError(e: unknown): LedgerClientError {
  return e instanceof LedgerClientError ? e : new LedgerClientError('INTERNAL', String(e), e);
}

export function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
