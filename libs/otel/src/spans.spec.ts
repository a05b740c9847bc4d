import type { RunEventBody } from '@ledger/domain';
import { GEN_AI } from './attributes';
import type { AnyValue, OtelDocument } from './otlp';
import { spanIdOf, toOtel, traceIdOf } from './spans';

/**
 * The export of a run, checked against the OTLP protobuf definitions (the opentelemetry-proto messages compiled
 * into @opentelemetry/otlp-transformer) and the GenAI conventions (@opentelemetry/semantic-conventions).
 */
/* eslint-disable @typescript-eslint/no-require-imports */
const semconv = require('@opentelemetry/semantic-conventions/incubating') as Record<string, string>;
const proto = require('@opentelemetry/otlp-transformer/build/src/generated/root').opentelemetry.proto;
const Long = require('protobufjs/minimal').util.Long;
/* eslint-enable @typescript-eslint/no-require-imports */

const runId = '3f0c2b8e-1d4a-4c5b-9e7f-0a1b2c3d4e5f';
const userId = '7f1c0000-0000-4000-8000-000000000001';
const ok = '11111111-2222-4333-8444-555555555555';
const bad = '66666666-7777-4888-8999-aaaaaaaaaaaa';
const at = (s: number) => new Date(Date.UTC(2026, 10, 30, 8, 0, s)).toISOString();
const usage = {
  inputTokens: 1200,
  outputTokens: 300,
  cachedInputTokens: 200,
  cacheWriteTokens: 100,
  reasoningTokens: 50,
  totalTokens: 1500,
  serviceTier: 'priority',
};
const events = [
  {
    type: 'RunStarted',
    data: {
      runId,
      userId,
      sourceType: 'chat',
      name: 'A chat',
      settings: {},
      variableValues: {},
      brokerValues: {},
      startedAt: at(0),
    },
  },
  ...[ok, bad].map((taskId) => ({
    type: 'TaskCreated',
    data: {
      runId,
      taskId,
      service: 'chat',
      taskName: 'answer',
      provider: 'anthropic',
      endpoint: '/v1/messages',
      model: 'claude-sonnet-4-6',
      requestData: {},
      createdAt: at(1),
    },
  })),
  { type: 'ChunkReceived', data: { runId, taskId: ok, seq: 0, kind: 'text', text: 'Hi', offsetMs: 250 } },
  {
    type: 'TaskCompleted',
    data: {
      runId,
      taskId: ok,
      usage,
      usageSource: 'provider',
      cost: {
        amount: '0.0123',
        priceId: 'anthropic/claude-sonnet-4-6@2026-03-13',
        prices: { input: '3', output: '15' },
      },
      reportedCost: { amount: '0.0124', currency: 'USD', source: 'openrouter' },
      timeToFirstTokenMs: 250,
      totalTimeMs: 900,
      finishReason: 'end_turn',
      responseData: { id: 'msg_01X', model: 'claude-sonnet-4-6' },
      completedAt: at(2),
    },
  },
  {
    type: 'TaskFailed',
    data: {
      runId,
      taskId: bad,
      error: { code: 'HTTP_529', message: 'Overloaded' },
      totalTimeMs: 40,
      failedAt: at(3),
    },
  },
] as unknown as RunEventBody[];

const flat = (v: AnyValue): unknown => Object.values(v)[0];
function attrs(doc: OtelDocument, i: number): Record<string, unknown> {
  return Object.fromEntries(
    doc.resourceSpans[0].scopeSpans[0].spans[i].attributes.map((a) => [a.key, flat(a.value)]),
  );
}

/** OTLP/JSON → the protobuf message's object form (hex ids as bytes, 64-bit integers as Long). */
function toProtoObject(doc: OtelDocument): unknown {
  const bytes = (hex: string) => Buffer.from(hex, 'hex');
  const long = (n: string, unsigned: boolean) => Long.fromString(n, unsigned);
  const value = (v: AnyValue): unknown =>
    'intValue' in v
      ? { intValue: long(v.intValue, false) }
      : 'arrayValue' in v
        ? { arrayValue: { values: v.arrayValue.values.map(value) } }
        : v;
  return {
    resourceSpans: doc.resourceSpans.map((rs) => ({
      ...rs,
      scopeSpans: rs.scopeSpans.map((ss) => ({
        ...ss,
        spans: ss.spans.map((s) => ({
          ...s,
          traceId: bytes(s.traceId),
          spanId: bytes(s.spanId),
          startTimeUnixNano: long(s.startTimeUnixNano, true),
          endTimeUnixNano: long(s.endTimeUnixNano, true),
          attributes: s.attributes.map((a) => ({ key: a.key, value: value(a.value) })),
        })),
      })),
    })),
  };
}

describe('toOtel', () => {
  const doc = toOtel(events)!;

  it('is a valid ExportTraceServiceRequest of the OTLP protobuf definitions, and survives encoding', () => {
    const Request = proto.collector.trace.v1.ExportTraceServiceRequest;
    const object = toProtoObject(doc);
    expect(Request.verify(object)).toBeNull();
    const decoded = Request.toObject(Request.decode(Request.encode(Request.fromObject(object)).finish()), {
      longs: String,
      bytes: String,
    });
    const span = decoded.resourceSpans[0].scopeSpans[0].spans[0];
    expect(Buffer.from(span.traceId, 'base64').toString('hex')).toBe(traceIdOf(runId));
    expect(Buffer.from(span.spanId, 'base64').toString('hex')).toBe(spanIdOf(ok));
    expect(span.kind).toBe(proto.trace.v1.Span.SpanKind.SPAN_KIND_CLIENT);
    expect(span.status.code).toBe(proto.trace.v1.Status.StatusCode.STATUS_CODE_OK);
    expect(span.attributes).toHaveLength(doc.resourceSpans[0].scopeSpans[0].spans[0].attributes.length);
    const failed = decoded.resourceSpans[0].scopeSpans[0].spans[1];
    expect(failed.status.code).toBe(proto.trace.v1.Status.StatusCode.STATUS_CODE_ERROR);
  });

  it('uses the current GenAI names and values', () => {
    expect(attrs(doc, 0)).toMatchObject({
      [semconv.ATTR_GEN_AI_PROVIDER_NAME]: semconv.GEN_AI_PROVIDER_NAME_VALUE_ANTHROPIC,
      [semconv.ATTR_GEN_AI_OPERATION_NAME]: semconv.GEN_AI_OPERATION_NAME_VALUE_CHAT,
      [semconv.ATTR_GEN_AI_CONVERSATION_ID]: runId,
      [semconv.ATTR_GEN_AI_REQUEST_MODEL]: 'claude-sonnet-4-6',
      [semconv.ATTR_GEN_AI_RESPONSE_ID]: 'msg_01X',
      [semconv.ATTR_GEN_AI_RESPONSE_MODEL]: 'claude-sonnet-4-6',
      [semconv.ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK]: 0.25,
      [semconv.ATTR_GEN_AI_USAGE_INPUT_TOKENS]: '1200',
      [semconv.ATTR_GEN_AI_USAGE_OUTPUT_TOKENS]: '300',
      [semconv.ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS]: '200',
      [semconv.ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS]: '100',
      [semconv.ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS]: '50',
      [semconv.ATTR_GEN_AI_RESPONSE_FINISH_REASONS]: { values: [{ stringValue: 'end_turn' }] },
      [GEN_AI.USAGE_COST]: 0.0123,
      'ledger.cost_usd': '0.0123',
      'ledger.reported_cost': '0.0124',
      'ledger.service_tier': 'priority',
    });
    expect(attrs(doc, 1)).toMatchObject({ [semconv.ATTR_ERROR_TYPE]: 'HTTP_529' });
  });

  it('emits only gen_ai.* names the conventions define, plus gen_ai.usage.cost', () => {
    const defined = new Set(
      Object.entries(semconv)
        .filter(([k]) => k.startsWith('ATTR_GEN_AI_'))
        .map(([, v]) => v),
    );
    const deprecated = new Set([semconv.ATTR_GEN_AI_SYSTEM, semconv.ATTR_GEN_AI_USAGE_PROMPT_TOKENS]);
    for (const i of [0, 1])
      for (const key of Object.keys(attrs(doc, i)).filter((k) => k.startsWith('gen_ai.'))) {
        if (key === GEN_AI.USAGE_COST) continue;
        expect([key, defined.has(key) && !deprecated.has(key)]).toEqual([key, true]);
      }
  });

  it('gives every task its own span id and nothing for an erased run', () => {
    expect(spanIdOf(ok)).toMatch(/^[0-9a-f]{16}$/);
    expect(spanIdOf(ok)).not.toBe(spanIdOf(bad));
    expect(toOtel([...events, { type: 'RunDeleted', data: { runId } } as never])).toBeNull();
  });
});
