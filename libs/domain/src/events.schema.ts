import { z } from 'zod';
import { chunkKinds, SHARE_INCLUDES } from '@ledger/contract';
import type { RunEventType } from './events';

/** Zod schemas of every event's data (docs/protocol.md §2): for checking events at the edges (import, copy, tests). */

const id = z.uuid();
const object = z.record(z.string(), z.unknown());
const time = z.iso.datetime({ offset: true });
const count = z.number().int().min(0);
const decimal = z.string().regex(/^-?\d+(\.\d+)?$/, 'a decimal string');

export const usageSchema = z.strictObject({
  inputTokens: count,
  outputTokens: count,
  cachedInputTokens: count,
  cacheWriteTokens: count,
  reasoningTokens: count,
  totalTokens: count,
  cacheWrite1hTokens: count.optional(),
  inputAudioTokens: count.optional(),
  inputImageTokens: count.optional(),
  inputVideoTokens: count.optional(),
  outputAudioTokens: count.optional(),
  outputImageTokens: count.optional(),
  outputVideoTokens: count.optional(),
  webSearches: count.optional(),
  groundingRequests: count.optional(),
  requests: count.optional(),
  serviceTier: z.string().optional(),
  region: z.string().optional(),
});
export const reportedCostSchema = z.strictObject({
  amount: decimal,
  currency: z.string(),
  source: z.string(),
});
const prices = z.record(z.string(), z.string()).nullable();
export const costSchema = z.strictObject({
  amount: decimal.nullable(),
  priceId: z.string().nullable(),
  prices,
});

export const eventDataSchemas = {
  RunStarted: z.strictObject({
    runId: id,
    userId: id,
    sourceType: z.string().min(1),
    sourceId: id.optional(),
    teamId: id.optional(),
    name: z.string(),
    settings: object,
    variableValues: object,
    brokerValues: object,
    startedAt: time,
  }),
  TaskCreated: z.strictObject({
    runId: id,
    taskId: id,
    service: z.string(),
    taskName: z.string(),
    provider: z.string(),
    endpoint: z.string(),
    model: z.string(),
    modelId: id.optional(),
    requestData: object,
    userMessage: z.strictObject({ content: z.string(), metadata: object.optional() }).optional(),
    createdAt: time,
  }),
  ChunkReceived: z.strictObject({
    runId: id,
    taskId: id,
    seq: count,
    kind: z.enum(chunkKinds),
    text: z.string().optional(),
    payload: object.optional(),
    offsetMs: z.number().min(0),
  }),
  ChunksReceived: z.strictObject({
    runId: id,
    taskId: id,
    chunks: z
      .array(
        z.strictObject({
          seq: count,
          kind: z.enum(chunkKinds),
          text: z.string().optional(),
          payload: object.optional(),
          offsetMs: z.number().min(0),
        }),
      )
      .min(1),
  }),
  TaskCompleted: z.strictObject({
    runId: id,
    taskId: id,
    usage: usageSchema,
    usageSource: z.enum(['provider', 'estimated']),
    cost: costSchema,
    reportedCost: reportedCostSchema.optional(),
    timeToFirstTokenMs: z.number().min(0).nullable(),
    totalTimeMs: z.number().min(0),
    finishReason: z.string().optional(),
    responseData: object.optional(),
    completedAt: time,
  }),
  TaskFailed: z.strictObject({
    runId: id,
    taskId: id,
    error: z.strictObject({ code: z.string(), message: z.string() }),
    usage: usageSchema.optional(),
    usageSource: z.enum(['provider', 'estimated']).optional(),
    cost: costSchema.optional(),
    totalTimeMs: z.number().min(0),
    failedAt: time,
  }),
  RunRenamed: z.strictObject({ runId: id, name: z.string() }),
  RunStarred: z.strictObject({ runId: id }),
  RunUnstarred: z.strictObject({ runId: id }),
  RunArchived: z.strictObject({ runId: id }),
  TaskRepriced: z.strictObject({
    runId: id,
    taskId: id,
    cost: costSchema,
    previousCost: costSchema.nullable(),
    reason: z.string(),
    catalogVersion: z.string().optional(),
  }),
  RunDeleted: z.strictObject({ runId: id }),
  ShareCreated: z.strictObject({
    runId: id,
    shareId: id,
    tokenHash: z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 digest in hex'),
    expiresAt: time,
    include: z.array(z.enum(SHARE_INCLUDES)),
  }),
  ShareRevoked: z.strictObject({ runId: id, shareId: id }),
} satisfies Record<RunEventType, z.ZodType>;

export const eventMetadataSchema = z.object({
  userId: id,
  commandId: z.string().min(1),
  recordedAt: time,
  schemaVersion: z.number().int().min(1),
  command: z.string().optional(),
  payloadHash: z.string().optional(),
});

/** Throws a ZodError naming the field when an event does not match its type's schema. */
export function parseEventData(type: RunEventType, data: unknown): unknown {
  return eventDataSchemas[type].parse(data);
}
