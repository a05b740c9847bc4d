import { perChunk } from '@ledger/domain';
import type {
  Cost,
  RunEventBody,
  RunStartedData,
  TaskCompletedData,
  TaskCreatedData,
  TaskFailedData,
} from '@ledger/domain';
import { GEN_AI, operationOf, providerValue } from './attributes';
import {
  double,
  int,
  SPAN_KIND_CLIENT,
  STATUS_ERROR,
  STATUS_OK,
  STATUS_UNSET,
  str,
  strings,
  type KeyValue,
  type OtelDocument,
  type OtelSpan,
} from './otlp';

/**
 * A run's events as one OTLP ExportTraceServiceRequest: one trace per run, one CLIENT span per task, on the current
 * GenAI semantic conventions. Pure (no clock, no I/O, no Node-only module), so the CLI, the server and the
 * dashboard can share it.
 */

/** The trace id of a run: its UUID's 32 hex digits. */
export function traceIdOf(runId: string): string {
  return runId.replace(/-/g, '').toLowerCase();
}

/** The span id of a task: the two 64-bit halves of its UUID XORed (deterministic; never all zeros in practice). */
export function spanIdOf(taskId: string): string {
  const hex = taskId.replace(/-/g, '').toLowerCase().padStart(32, '0').slice(-32);
  let out = '';
  for (let i = 0; i < 16; i++) out += (parseInt(hex[i], 16) ^ parseInt(hex[i + 16], 16)).toString(16);
  return out === '0000000000000000' ? '0000000000000001' : out;
}

const nanos = (iso: string): string => (BigInt(Date.parse(iso)) * 1_000_000n).toString();

type Ended =
  { type: 'TaskCompleted'; data: TaskCompletedData } | { type: 'TaskFailed'; data: TaskFailedData };
interface TaskTrace {
  created: TaskCreatedData;
  lastChunkMs: number | null;
  ended?: Ended;
  cost: Cost | null;
}

export interface OtelOptions {
  /** The `service.name` of the resource. Default `run-ledger`. */
  serviceName?: string;
  /** The instrumentation scope's version. Default `0.1.0`. */
  scopeVersion?: string;
}

function fold(events: readonly RunEventBody[]) {
  let run: RunStartedData | null = null;
  const tasks = new Map<string, TaskTrace>();
  for (const e of events.flatMap((x) => perChunk(x))) {
    if (e.type === 'RunStarted') run = e.data;
    else if (e.type === 'RunDeleted') return { run: null, tasks };
    else if (e.type === 'TaskCreated')
      tasks.set(e.data.taskId, { created: e.data, lastChunkMs: null, cost: null });
    else {
      const t = 'taskId' in e.data ? tasks.get(e.data.taskId) : undefined;
      if (!t) continue;
      if (e.type === 'ChunkReceived') t.lastChunkMs = e.data.offsetMs;
      else if (e.type === 'TaskCompleted' || e.type === 'TaskFailed') {
        t.ended = e;
        t.cost = e.data.cost ?? null;
      } else if (e.type === 'TaskRepriced') t.cost = e.data.cost;
    }
  }
  return { run, tasks };
}

/** One OTLP/JSON ExportTraceServiceRequest for a run. Null for an erased or empty run. */
export function toOtel(events: readonly RunEventBody[], options: OtelOptions = {}): OtelDocument | null {
  const { run, tasks } = fold(events);
  if (!run) return null;
  const traceId = traceIdOf(run.runId);
  const spans = [...tasks.values()].map((t) => taskSpan(traceId, run, t));
  return {
    resourceSpans: [
      {
        resource: {
          attributes: [
            str('service.name', options.serviceName ?? 'run-ledger'),
            str('ledger.run_id', run.runId),
            str('ledger.user_id', run.userId),
            str('ledger.run_name', run.name),
          ],
        },
        scopeSpans: [{ scope: { name: 'run-ledger', version: options.scopeVersion ?? '0.1.0' }, spans }],
      },
    ],
  };
}

function usageAttributes(ended: Ended): KeyValue[] {
  const usage = ended.data.usage;
  if (!usage) return [];
  const out = [
    int(GEN_AI.USAGE_INPUT_TOKENS, usage.inputTokens),
    int(GEN_AI.USAGE_OUTPUT_TOKENS, usage.outputTokens),
    int(GEN_AI.USAGE_CACHE_READ_INPUT_TOKENS, usage.cachedInputTokens),
    int(GEN_AI.USAGE_CACHE_CREATION_INPUT_TOKENS, usage.cacheWriteTokens),
    int(GEN_AI.USAGE_REASONING_OUTPUT_TOKENS, usage.reasoningTokens),
  ];
  if (ended.data.usageSource) out.push(str('ledger.usage_source', ended.data.usageSource));
  if (usage.serviceTier) out.push(str('ledger.service_tier', usage.serviceTier));
  return out;
}

function responseAttributes(data: TaskCompletedData): KeyValue[] {
  const out: KeyValue[] = [
    strings(GEN_AI.RESPONSE_FINISH_REASONS, data.finishReason ? [data.finishReason] : []),
  ];
  const response = data.responseData ?? {};
  if (typeof response.id === 'string') out.push(str(GEN_AI.RESPONSE_ID, response.id));
  if (typeof response.model === 'string') out.push(str(GEN_AI.RESPONSE_MODEL, response.model));
  // The conventions measure time to first chunk in seconds.
  if (data.timeToFirstTokenMs !== null)
    out.push(
      double(GEN_AI.RESPONSE_TIME_TO_FIRST_CHUNK, data.timeToFirstTokenMs / 1000),
      int('ledger.time_to_first_chunk_ms', data.timeToFirstTokenMs),
    );
  out.push(int('ledger.total_time_ms', data.totalTimeMs));
  if (data.reportedCost)
    out.push(
      str('ledger.reported_cost', data.reportedCost.amount),
      str('ledger.reported_cost_currency', data.reportedCost.currency),
      str('ledger.reported_cost_source', data.reportedCost.source),
    );
  return out;
}

function taskSpan(traceId: string, run: RunStartedData, t: TaskTrace): OtelSpan {
  const c = t.created;
  const operation = operationOf(c.endpoint);
  const attributes: KeyValue[] = [
    str(GEN_AI.PROVIDER_NAME, providerValue(c.provider)),
    str(GEN_AI.OPERATION_NAME, operation),
    str(GEN_AI.REQUEST_MODEL, c.model),
    str(GEN_AI.CONVERSATION_ID, run.runId),
    str('ledger.run_id', run.runId),
    str('ledger.task_id', c.taskId),
    str('ledger.task_name', c.taskName),
    str('ledger.service', c.service),
    str('ledger.provider', c.provider),
  ];
  const ended = t.ended;
  if (ended) attributes.push(...usageAttributes(ended));
  let end = c.createdAt;
  let status: OtelSpan['status'] = { code: STATUS_UNSET };
  if (ended?.type === 'TaskCompleted') {
    end = ended.data.completedAt;
    status = { code: STATUS_OK };
    attributes.push(...responseAttributes(ended.data));
  } else if (ended?.type === 'TaskFailed') {
    end = ended.data.failedAt;
    status = { code: STATUS_ERROR, message: `${ended.data.error.code}: ${ended.data.error.message}` };
    attributes.push(
      strings(GEN_AI.RESPONSE_FINISH_REASONS, ['error']),
      str(GEN_AI.ERROR_TYPE, ended.data.error.code),
      int('ledger.total_time_ms', ended.data.totalTimeMs),
    );
  } else if (t.lastChunkMs !== null) {
    end = new Date(Date.parse(c.createdAt) + t.lastChunkMs).toISOString();
  }
  if (ended && t.cost?.amount != null) {
    // A double for the tools that chart it (Langfuse); the exact decimal beside it.
    attributes.push(double(GEN_AI.USAGE_COST, Number(t.cost.amount)), str('ledger.cost_usd', t.cost.amount));
  }
  if (ended && t.cost?.priceId) attributes.push(str('ledger.price_id', t.cost.priceId));
  return {
    traceId,
    spanId: spanIdOf(c.taskId),
    name: `${operation} ${c.model}`,
    kind: SPAN_KIND_CLIENT,
    startTimeUnixNano: nanos(c.createdAt),
    endTimeUnixNano: nanos(end),
    attributes,
    status,
  };
}
