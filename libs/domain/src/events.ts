import type { ChunkKind, ShareInclude } from '@ledger/contract';

/** The events of docs/protocol.md §2. Plain readonly data; one stream per run (`run-<runId>`). */

/**
 * 2: usage may carry the billing dimensions (cacheWrite1hTokens, audio/image/video parts, webSearches,
 * groundingRequests, requests, serviceTier, region) and TaskCompleted a reportedCost. Version-1 events have none of
 * them: every one is optional and an absent count is 0, so a version-1 event keeps its meaning.
 * 3: RunStarted may carry a teamId; an event without one is a run of its owner alone, as before.
 */
export const SCHEMA_VERSION = 3;

export interface EventMetadata {
  readonly userId: string;
  /** The id of the command that caused the event (the correlation id). */
  readonly commandId: string;
  /** Server time, ISO-8601, taken once per command. */
  readonly recordedAt: string;
  readonly schemaVersion: number;
  /** The command's name and a digest of its payload: a retried commandId is answered from these. */
  readonly command?: string;
  readonly payloadHash?: string;
}

export interface Usage {
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cachedInputTokens: number;
  readonly cacheWriteTokens: number;
  readonly reasoningTokens: number;
  readonly totalTokens: number;
  /** The part of cacheWriteTokens written with the 1-hour TTL (the rest: 5 minutes). */
  readonly cacheWrite1hTokens?: number;
  /** Parts of inputTokens (not cached, not cache writes) that are audio, image or video. */
  readonly inputAudioTokens?: number;
  readonly inputImageTokens?: number;
  readonly inputVideoTokens?: number;
  /** Parts of outputTokens (not reasoning) that are audio, image or video. */
  readonly outputAudioTokens?: number;
  readonly outputImageTokens?: number;
  readonly outputVideoTokens?: number;
  /** Units counted apart from tokens: web searches, grounded requests, billed requests. */
  readonly webSearches?: number;
  readonly groundingRequests?: number;
  readonly requests?: number;
  /** The service tier the provider reports it used (`default`, `flex`, `priority`, `batch`…). */
  readonly serviceTier?: string;
  /** A region or data-residency option that changes the price (`us`, `eu`, `global`). */
  readonly region?: string;
}

/** The cost a provider or gateway reported for a task (OpenRouter `usage.cost`, LiteLLM response cost…). */
export interface ReportedCost {
  /** Exact decimal string. */
  readonly amount: string;
  /** ISO 4217 code, e.g. `USD`. */
  readonly currency: string;
  /** Who reported it: `openrouter`, `litellm`, `provider`… */
  readonly source: string;
}
export type UsageSource = 'provider' | 'estimated';

/** Prices per million tokens (decimal strings, USD) of the catalog entry that priced a task. */
export interface PricesUsed {
  readonly input: string;
  readonly output: string;
  readonly cachedInput?: string;
  readonly cacheWrite?: string;
  readonly reasoning?: string;
  readonly tier?: string;
  /** Every other price applied (cacheWrite1h, audio, fees, serviceTier, window, region…), by name. */
  readonly [key: string]: string | undefined;
}
export interface Cost {
  /** Exact decimal string in USD, or null when the model has no price. */
  readonly amount: string | null;
  readonly priceId: string | null;
  readonly prices: PricesUsed | null;
}

export interface RunStartedData {
  readonly runId: string;
  readonly userId: string;
  readonly sourceType: string;
  readonly sourceId?: string;
  /** Since schema 3: the team whose members may read the run. Absent: the owner alone (as before). */
  readonly teamId?: string;
  readonly name: string;
  readonly settings: Record<string, unknown>;
  readonly variableValues: Record<string, unknown>;
  readonly brokerValues: Record<string, unknown>;
  readonly startedAt: string;
}
export interface UserMessage {
  readonly content: string;
  readonly metadata?: Record<string, unknown>;
}
export interface TaskCreatedData {
  readonly runId: string;
  readonly taskId: string;
  readonly service: string;
  readonly taskName: string;
  readonly provider: string;
  readonly endpoint: string;
  readonly model: string;
  readonly modelId?: string;
  readonly requestData: Record<string, unknown>;
  readonly userMessage?: UserMessage;
  readonly createdAt: string;
}
export interface ChunkReceivedData {
  readonly runId: string;
  readonly taskId: string;
  readonly seq: number;
  readonly kind: ChunkKind;
  readonly text?: string;
  readonly payload?: Record<string, unknown>;
  readonly offsetMs: number;
}
export interface TaskCompletedData {
  readonly runId: string;
  readonly taskId: string;
  readonly usage: Usage;
  readonly usageSource: UsageSource;
  readonly cost: Cost;
  /** What the provider or gateway said it charged, kept beside `cost` (never replacing it). */
  readonly reportedCost?: ReportedCost;
  readonly timeToFirstTokenMs: number | null;
  readonly totalTimeMs: number;
  readonly finishReason?: string;
  readonly responseData?: Record<string, unknown>;
  readonly completedAt: string;
}
export interface TaskFailedData {
  readonly runId: string;
  readonly taskId: string;
  readonly error: { readonly code: string; readonly message: string };
  readonly usage?: Usage;
  readonly usageSource?: UsageSource;
  readonly cost?: Cost;
  readonly totalTimeMs: number;
  readonly failedAt: string;
}
export interface TaskRepricedData {
  readonly runId: string;
  readonly taskId: string;
  readonly cost: Cost;
  readonly previousCost: Cost | null;
  readonly reason: string;
  /** The catalog version that priced `cost` (`genai-prices@0.1.8+own.…`); absent in events written before. */
  readonly catalogVersion?: string;
}

/** A share link (docs/security.md, Sharing): only the SHA-256 of its token is ever written, never the token. */
export interface ShareCreatedData {
  readonly runId: string;
  readonly shareId: string;
  /** SHA-256 of the token, hex. */
  readonly tokenHash: string;
  readonly expiresAt: string;
  /** What the link shows besides the conversation (`requestData`: the tasks' request payloads). */
  readonly include: readonly ShareInclude[];
}

type E<T extends string, D> = { readonly type: T; readonly data: D; readonly metadata: EventMetadata };

export type RunStarted = E<'RunStarted', RunStartedData>;
export type TaskCreated = E<'TaskCreated', TaskCreatedData>;
export type ChunkReceived = E<'ChunkReceived', ChunkReceivedData>;
export type TaskCompleted = E<'TaskCompleted', TaskCompletedData>;
export type TaskFailed = E<'TaskFailed', TaskFailedData>;
export type RunRenamed = E<'RunRenamed', { readonly runId: string; readonly name: string }>;
export type RunStarred = E<'RunStarred', { readonly runId: string }>;
export type RunUnstarred = E<'RunUnstarred', { readonly runId: string }>;
export type RunArchived = E<'RunArchived', { readonly runId: string }>;
export type TaskRepriced = E<'TaskRepriced', TaskRepricedData>;
export type RunDeleted = E<'RunDeleted', { readonly runId: string }>;
export type ShareCreated = E<'ShareCreated', ShareCreatedData>;
export type ShareRevoked = E<'ShareRevoked', { readonly runId: string; readonly shareId: string }>;

export type RunEvent =
  | RunStarted
  | TaskCreated
  | ChunkReceived
  | TaskCompleted
  | TaskFailed
  | RunRenamed
  | RunStarred
  | RunUnstarred
  | RunArchived
  | TaskRepriced
  | RunDeleted
  | ShareCreated
  | ShareRevoked;
export type RunEventType = RunEvent['type'];
/** A run event without its envelope (type and data), still a union by type, so a check of `type` narrows `data`. */
export type RunEventBody = {
  [T in RunEventType]: Pick<Extract<RunEvent, { type: T }>, 'type' | 'data'>;
}[RunEventType];

export const RUN_EVENT_TYPES: readonly RunEventType[] = [
  'RunStarted',
  'TaskCreated',
  'ChunkReceived',
  'TaskCompleted',
  'TaskFailed',
  'RunRenamed',
  'RunStarred',
  'RunUnstarred',
  'RunArchived',
  'TaskRepriced',
  'RunDeleted',
  'ShareCreated',
  'ShareRevoked',
];
