import { randomUUID } from 'node:crypto';
import type { RunEventBody } from '@ledger/domain';
import { toRunStreamId } from '@ledger/domain';
import type { EventStore, GlobalPosition, RecordedEvent } from '@ledger/event-store';

/** Event bodies built literally (the shapes of docs/protocol.md §2, events), a clock, and helpers to record or append them. */

export type Body = RunEventBody;

export class Clock {
  constructor(private ms = Date.parse('2025-03-01T10:00:00.000Z')) {}
  next(stepMs = 1000): string {
    this.ms += stepMs;
    return new Date(this.ms).toISOString();
  }
  now(): string {
    return new Date(this.ms).toISOString();
  }
}

export interface Usage {
  input?: number;
  output?: number;
  cached?: number;
  reasoning?: number;
}

export function runEvents(runId: string, userId: string) {
  return {
    started: (at: string, extra: Record<string, unknown> = {}): Body => ({
      type: 'RunStarted',
      data: {
        runId,
        userId,
        sourceType: 'chat',
        name: 'A chat',
        settings: { model: 'gpt-4o', temperature: 0.2 },
        variableValues: { v: 1 },
        brokerValues: {},
        startedAt: at,
        ...extra,
      },
    }),
    created: (taskId: string, at: string, content?: string, model = 'gpt-4o'): Body => ({
      type: 'TaskCreated',
      data: {
        runId,
        taskId,
        service: 'chat',
        taskName: 'reply',
        provider: 'openai',
        endpoint: 'chat.completions',
        model,
        requestData: { messages: [{ role: 'user', content: content ?? '' }] },
        ...(content !== undefined ? { userMessage: { content } } : {}),
        createdAt: at,
      },
    }),
    chunk: (taskId: string, seq: number, text: string, offsetMs = 100 * (seq + 1)): Body => ({
      type: 'ChunkReceived',
      data: { runId, taskId, seq, kind: 'text', text, offsetMs },
    }),
    otherChunk: (
      taskId: string,
      seq: number,
      kind: 'info' | 'error' | 'tool' | 'data',
      payload: Record<string, unknown>,
    ): Body => ({
      type: 'ChunkReceived',
      data: { runId, taskId, seq, kind, payload, offsetMs: 100 * (seq + 1) },
    }),
    completed: (
      taskId: string,
      at: string,
      u: Usage = {},
      amount: string | null = '0.000125',
      ttft: number | null = 100,
    ): Body => {
      const input = u.input ?? 10;
      const output = u.output ?? 20;
      return {
        type: 'TaskCompleted',
        data: {
          runId,
          taskId,
          usage: {
            inputTokens: input,
            outputTokens: output,
            cachedInputTokens: u.cached ?? 0,
            cacheWriteTokens: 0,
            reasoningTokens: u.reasoning ?? 0,
            totalTokens: input + output,
          },
          usageSource: 'provider',
          cost: { amount, priceId: amount === null ? null : 'openai/gpt-4o@2024', prices: null },
          timeToFirstTokenMs: ttft,
          totalTimeMs: 900,
          finishReason: 'stop',
          completedAt: at,
        },
      };
    },
    failed: (taskId: string, at: string): Body => ({
      type: 'TaskFailed',
      data: { runId, taskId, error: { code: 'PROVIDER', message: 'boom' }, totalTimeMs: 50, failedAt: at },
    }),
    repriced: (taskId: string, amount: string | null): Body => ({
      type: 'TaskRepriced',
      data: {
        runId,
        taskId,
        cost: { amount, priceId: 'p2', prices: null },
        previousCost: null,
        reason: 'catalog fix',
      },
    }),
    renamed: (name: string): Body => ({ type: 'RunRenamed', data: { runId, name } }),
    starred: (): Body => ({ type: 'RunStarred', data: { runId } }),
    unstarred: (): Body => ({ type: 'RunUnstarred', data: { runId } }),
    archived: (): Body => ({ type: 'RunArchived', data: { runId } }),
    deleted: (): Body => ({ type: 'RunDeleted', data: { runId } }),
  };
}

/** Bodies as recorded events of one stream (unit tests of the fold). */
export function recorded(
  runId: string,
  userId: string,
  bodies: readonly Body[],
  clock = new Clock(),
): RecordedEvent[] {
  return bodies.map((b, i) => ({
    id: randomUUID(),
    streamId: toRunStreamId(runId),
    revision: i,
    position: { commit: 1n, prepare: BigInt(i + 1) },
    ...b,
    metadata: { userId, commandId: randomUUID(), recordedAt: clock.next(10), schemaVersion: 1 },
  }));
}

/** Appends bodies to a run's stream (one command: one recordedAt) and returns the head position of the log. */
export async function append(
  store: EventStore,
  runId: string,
  userId: string,
  bodies: readonly Body[],
  recordedAt: string,
): Promise<GlobalPosition> {
  const commandId = randomUUID();
  await store.appendToStream(
    toRunStreamId(runId),
    bodies.map((b) => ({
      id: randomUUID(),
      type: b.type,
      data: b.data,
      metadata: { userId, commandId, recordedAt, schemaVersion: 1 },
    })),
    'any',
  );
  return (await store.headPosition())!;
}
