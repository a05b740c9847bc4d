import type { ReplayFrame, RunView, SubscriptionHandlers, TaskView, UsageSummary } from '@run-ledger/client';
import { LedgerClientError } from '@run-ledger/client';
import type { LedgerApi } from '../src/context';

/**
 * The SDK surface the components use, over in-memory rows, for component tests in jsdom (the real ledger, socket and
 * browser are exercised by test/browser). Pushes are driven by the test: `push`, `pushRun`, `pushTask`.
 */
export class MemoryLedger {
  runs: RunView[] = [];
  tasks: TaskView[] = [];
  frames: ReplayFrame[] = [];
  usage: UsageSummary['rows'] = [];
  /** Keys `runs.list` refuses with VALIDATION (a server older than v1.1 refuses `q`). */
  refusedListKeys: string[] = [];
  readonly calls: Array<{ name: string; payload: unknown }> = [];
  private readonly subs = new Map<string, Set<SubscriptionHandlers>>();
  private readonly pushListeners = new Map<string, Set<(p: unknown) => void>>();

  push(event: string, payload: unknown): void {
    this.pushListeners.get(event)?.forEach((l) => l(payload));
  }
  pushRun(run: RunView): void {
    this.subs.get(run.id)?.forEach((h) => h.onRun?.(run));
  }
  pushTask(task: TaskView): void {
    this.subs.get(task.runId)?.forEach((h) => h.onTask?.(task));
  }

  api(): LedgerApi {
    const api = {
      listRuns: async (input: Record<string, unknown> = {}) => {
        this.calls.push({ name: 'runs.list', payload: input });
        const refused = Object.keys(input).find((k) => this.refusedListKeys.includes(k));
        if (refused) throw new LedgerClientError('VALIDATION', `unknown key ${refused}`);
        let runs = this.runs.filter((r) => r.archived === (input.archived ?? false));
        if (input.starred !== undefined) runs = runs.filter((r) => r.starred === input.starred);
        if (typeof input.q === 'string') runs = runs.filter((r) => r.name.includes(input.q as string));
        const start = typeof input.cursor === 'string' ? Number(input.cursor) : 0;
        const limit = (input.limit as number | undefined) ?? 50;
        const page = runs.slice(start, start + limit);
        return { runs: page, nextCursor: start + limit < runs.length ? String(start + limit) : null };
      },
      getRun: async (runId: string) => {
        const run = this.runs.find((r) => r.id === runId);
        if (!run) throw new LedgerClientError('NOT_FOUND', 'no such run');
        return { run, tasks: this.tasks.filter((t) => t.runId === runId) };
      },
      runAt: async (runId: string, input: { version?: number } = {}) => {
        this.calls.push({ name: 'run.at', payload: { runId, ...input } });
        const version = input.version ?? 0;
        const text = this.frames
          .filter((f) => f.version <= version && f.type === 'ChunkReceived')
          .map((f) => f.data.text)
          .join('');
        const task = this.tasks.find((t) => t.runId === runId);
        return {
          run: this.runs.find((r) => r.id === runId) ?? null,
          tasks: task ? [{ ...task, responseText: text, status: 'streaming' as const }] : [],
          version,
        };
      },
      subscribe: async (runId: string, handlers: SubscriptionHandlers) => {
        const set = this.subs.get(runId) ?? new Set();
        set.add(handlers);
        this.subs.set(runId, set);
        return async () => void set.delete(handlers);
      },
      replay: (runId: string, input: unknown) => {
        this.calls.push({ name: 'run.replay', payload: { runId, ...(input as object) } });
        const frames = this.frames.filter((f) => f.runId === runId);
        return {
          done: Promise.resolve({ runId, events: frames.length }),
          async *[Symbol.asyncIterator]() {
            yield* frames;
          },
        };
      },
      usageSummary: async (input: unknown) => {
        this.calls.push({ name: 'usage.summary', payload: input });
        return { rows: this.usage };
      },
      run: (runId: string) => {
        const write =
          (name: string, change: (r: RunView, arg: unknown) => RunView | null) => async (arg?: unknown) => {
            this.calls.push({ name, payload: { runId, arg } });
            const i = this.runs.findIndex((r) => r.id === runId);
            const next = change(this.runs[i], arg);
            if (!next) {
              this.runs.splice(i, 1);
              this.push('runs.removed', { runId });
              return {};
            }
            this.runs[i] = { ...next, version: next.version + 1 };
            this.pushRun(this.runs[i]);
            this.push('runs.changed', { run: this.runs[i] });
            return {};
          };
        return {
          id: runId,
          rename: write('run.rename', (r, name) => ({ ...r, name: name as string })),
          star: write('run.star', (r, starred) => ({ ...r, starred: starred as boolean })),
          archive: write('run.archive', (r) => ({ ...r, archived: true })),
          delete: write('run.delete', () => null),
        };
      },
      resumeRun: async (runId: string) => ({ runId }),
      onPush: (event: string, listener: (p: unknown) => void) => {
        const set = this.pushListeners.get(event) ?? new Set();
        set.add(listener);
        this.pushListeners.set(event, set);
        return () => void set.delete(listener);
      },
      command: async () => ({}),
      request: async () => ({}),
    };
    return api as unknown as LedgerApi;
  }
}

let n = 0;
const iso = (minute: number) => new Date(Date.UTC(2026, 0, 1, 12, minute)).toISOString();

export function makeRun(extra: Partial<RunView> = {}): RunView {
  n++;
  return {
    id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    userId: 'u',
    sourceType: 'chat',
    sourceId: null,
    name: `Run ${n}`,
    messages: [],
    settings: { model: 'gpt-4o' },
    variableValues: {},
    brokerValues: {},
    totalTokens: 10,
    totalCost: '0.0012',
    unpricedTaskCount: 0,
    messageCount: 0,
    taskCount: 1,
    starred: false,
    archived: false,
    createdAt: iso(n),
    updatedAt: iso(n),
    lastMessageAt: iso(n),
    version: 1,
    ...extra,
  };
}

export function makeTask(runId: string, extra: Partial<TaskView> = {}): TaskView {
  return {
    id: `t-${runId}`,
    runId,
    userId: 'u',
    taskId: `10000000-0000-4000-8000-${runId.slice(-12)}`,
    service: 'chat',
    taskName: 'answer',
    provider: 'openai',
    endpoint: '/v1/chat/completions',
    model: 'gpt-4o',
    modelId: null,
    requestData: { messages: [] },
    responseText: '',
    responseData: null,
    responseInfo: [],
    responseErrors: [],
    toolUpdates: [],
    tokensInput: 0,
    tokensOutput: 0,
    tokensCached: 0,
    tokensCacheWrite: 0,
    tokensReasoning: 0,
    tokensTotal: 0,
    usageSource: null,
    cost: null,
    priceId: null,
    timeToFirstToken: null,
    totalTime: null,
    status: 'pending',
    finishReason: null,
    error: null,
    chunkCount: 0,
    createdAt: iso(0),
    updatedAt: iso(0),
    completedAt: null,
    ...extra,
  };
}
