import { z } from 'zod';
import { budgetCommandSchemas } from './budget.commands';
import { shareCommandSchemas } from './share.commands';
import { commandId, isoTime, jsonObject, uuid } from './fields';

/** Zod schemas of every command payload of docs/protocol.md §4. Objects are strict: an unknown key is a VALIDATION error. */

const tokenCount = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
/** The largest duration or offset in ms a command may carry. */
export const MAX_MILLIS = 1e12;
const millis = z.number().finite().min(0).max(MAX_MILLIS);

export const chunkKinds = ['text', 'info', 'error', 'tool', 'data'] as const;
export type ChunkKind = (typeof chunkKinds)[number];

/**
 * Token usage. Cached input and cache writes are parts of inputTokens, reasoning a part of outputTokens;
 * cacheWrite1hTokens is a part of cacheWriteTokens; audio/image/video counts are parts of the uncached input and of
 * the non-reasoning output. webSearches, groundingRequests and requests are units counted apart from tokens.
 * serviceTier and region say how the call was billed. Nothing is counted twice.
 */
const label = z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'a short label (letters, digits, _ . : -)');
export const usageInput = z
  .strictObject({
    inputTokens: tokenCount,
    outputTokens: tokenCount,
    cachedInputTokens: tokenCount.optional(),
    cacheWriteTokens: tokenCount.optional(),
    reasoningTokens: tokenCount.optional(),
    totalTokens: tokenCount.optional(),
    cacheWrite1hTokens: tokenCount.optional(),
    inputAudioTokens: tokenCount.optional(),
    inputImageTokens: tokenCount.optional(),
    inputVideoTokens: tokenCount.optional(),
    outputAudioTokens: tokenCount.optional(),
    outputImageTokens: tokenCount.optional(),
    outputVideoTokens: tokenCount.optional(),
    webSearches: tokenCount.optional(),
    groundingRequests: tokenCount.optional(),
    requests: tokenCount.optional(),
    serviceTier: label.optional(),
    region: label.optional(),
  })
  .superRefine((u, ctx) => {
    const n = (v: number | undefined) => v ?? 0;
    const inputParts =
      n(u.cachedInputTokens) +
      n(u.cacheWriteTokens) +
      n(u.inputAudioTokens) +
      n(u.inputImageTokens) +
      n(u.inputVideoTokens);
    if (inputParts > u.inputTokens)
      ctx.addIssue({
        code: 'custom',
        message:
          'cachedInputTokens + cacheWriteTokens + input audio/image/video tokens are parts of inputTokens and cannot exceed it',
      });
    if (n(u.cacheWrite1hTokens) > n(u.cacheWriteTokens))
      ctx.addIssue({
        code: 'custom',
        message: 'cacheWrite1hTokens is a part of cacheWriteTokens and cannot exceed it',
      });
    const outputParts =
      n(u.reasoningTokens) + n(u.outputAudioTokens) + n(u.outputImageTokens) + n(u.outputVideoTokens);
    if (outputParts > u.outputTokens)
      ctx.addIssue({
        code: 'custom',
        message:
          'reasoningTokens + output audio/image/video tokens are parts of outputTokens and cannot exceed it',
      });
    // A task's total must be an exact JSON number: the read models sum it, and a rounded total could not be proved.
    if (u.inputTokens + u.outputTokens > Number.MAX_SAFE_INTEGER)
      ctx.addIssue({
        code: 'custom',
        message: `inputTokens + outputTokens cannot exceed ${Number.MAX_SAFE_INTEGER} (2^53 - 1)`,
      });
    if (u.totalTokens !== undefined && u.totalTokens !== u.inputTokens + u.outputTokens)
      ctx.addIssue({ code: 'custom', message: 'totalTokens must equal inputTokens + outputTokens' });
  });
/** What a provider or gateway said it charged (kept beside the ledger's own cost). */
export const reportedCostInput = z.strictObject({
  amount: z
    .string()
    .max(40)
    .regex(/^(0|[1-9]\d*)(\.\d+)?$/, 'a non-negative decimal string such as "0.0123"'),
  currency: z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as USD'),
  source: z.string().min(1).max(100),
});
export type UsageInput = z.infer<typeof usageInput>;

/** The largest chunk seq: a task holds at most ten million chunks. */
export const MAX_CHUNK_SEQ = 10_000_000;

const chunkFields = {
  seq: z.number().int().min(0).max(MAX_CHUNK_SEQ),
  kind: z.enum(chunkKinds).optional(),
  text: z.string().optional(),
  payload: jsonObject.optional(),
  offsetMs: millis,
};
function checkChunk(c: { kind?: ChunkKind; text?: string; payload?: unknown }, ctx: z.RefinementCtx): void {
  const kind = c.kind ?? 'text';
  if (kind === 'text') {
    if (c.text === undefined)
      ctx.addIssue({ code: 'custom', message: 'a text chunk needs text', path: ['text'] });
    if (c.payload !== undefined)
      ctx.addIssue({ code: 'custom', message: 'a text chunk carries text, not payload', path: ['payload'] });
  } else {
    if (c.payload === undefined)
      ctx.addIssue({ code: 'custom', message: `a ${kind} chunk needs payload`, path: ['payload'] });
    if (c.text !== undefined)
      ctx.addIssue({ code: 'custom', message: `a ${kind} chunk carries payload, not text`, path: ['text'] });
  }
}
export const chunkInput = z.strictObject(chunkFields).superRefine(checkChunk);
export type ChunkInput = z.infer<typeof chunkInput>;

/**
 * Whether `{ text, seq, offsetMs }` is a text chunk `chunkInput` accepts, checked without parsing: true only where it
 * does (commands.spec.ts holds the two together). For a producer of many chunks a second, the SDK, where the parse of
 * each chunk was a third of the client's CPU; false means "parse it", which says what is wrong.
 */
export function isPlainTextChunk(text: unknown, seq: number, offsetMs: number): boolean {
  return (
    typeof text === 'string' &&
    Number.isInteger(seq) &&
    seq >= 0 &&
    seq <= MAX_CHUNK_SEQ &&
    Number.isFinite(offsetMs) &&
    offsetMs >= 0 &&
    offsetMs <= MAX_MILLIS
  );
}

export const MAX_CHUNKS_PER_COMMAND = 1000;
/** The longest `q` of `runs.list`. */
export const MAX_SEARCH_CHARS = 200;

/**
 * A `runs.list` date bound as an instant: a date alone is its UTC day's first millisecond (`from`) or its last
 * (`to`), so `from: '2025-01-31', to: '2025-01-31'` is that whole day.
 */
export function activityBound(value: string, side: 'from' | 'to'): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const t = Date.parse(value);
    return Number.isNaN(t) ? value : new Date(t).toISOString();
  }
  return side === 'from' ? `${value}T00:00:00.000Z` : `${value}T23:59:59.999Z`;
}

export const commandSchemas = {
  'run.start': z.strictObject({
    commandId,
    runId: uuid.optional(),
    sourceType: z.string().min(1).max(64),
    sourceId: uuid.optional(),
    name: z.string().min(1).max(500).optional(),
    settings: jsonObject,
    variableValues: jsonObject.optional(),
    brokerValues: jsonObject.optional(),
    /** A team of the caller's token whose members may read the run (docs/protocol.md, Teams). */
    teamId: uuid.optional(),
  }),
  'task.create': z.strictObject({
    commandId,
    runId: uuid,
    taskId: uuid,
    service: z.string().min(1).max(200),
    taskName: z.string().min(1).max(500),
    provider: z.string().min(1).max(100),
    endpoint: z.string().min(1).max(2000),
    model: z.string().min(1).max(200),
    modelId: uuid.optional(),
    requestData: jsonObject,
    userMessage: z.strictObject({ content: z.string(), metadata: jsonObject.optional() }).optional(),
  }),
  'task.chunk': z
    .strictObject({ commandId, runId: uuid, taskId: uuid, ...chunkFields })
    .superRefine(checkChunk),
  'task.chunks': z.strictObject({
    commandId,
    runId: uuid,
    taskId: uuid,
    chunks: z.array(chunkInput).min(1).max(MAX_CHUNKS_PER_COMMAND),
  }),
  'task.complete': z.strictObject({
    commandId,
    runId: uuid,
    taskId: uuid,
    usage: usageInput.optional(),
    reportedCost: reportedCostInput.optional(),
    finishReason: z.string().min(1).max(100).optional(),
    responseData: jsonObject.optional(),
    totalTimeMs: millis.optional(),
  }),
  'task.fail': z.strictObject({
    commandId,
    runId: uuid,
    taskId: uuid,
    error: z.strictObject({ code: z.string().min(1).max(200).optional(), message: z.string().max(100_000) }),
    usage: usageInput.optional(),
  }),
  'run.rename': z.strictObject({ commandId, runId: uuid, name: z.string().trim().min(1).max(500) }),
  'run.star': z.strictObject({ commandId, runId: uuid, starred: z.boolean() }),
  'run.archive': z.strictObject({ commandId, runId: uuid }),
  'run.delete': z.strictObject({ commandId, runId: uuid }),
  'run.get': z.strictObject({ runId: uuid }),
  'runs.list': z
    .strictObject({
      limit: z.number().int().min(1).max(200).optional(),
      cursor: z.string().min(1).max(500).optional(),
      sourceType: z.string().min(1).max(64).optional(),
      starred: z.boolean().optional(),
      archived: z.boolean().optional(),
      /** Search in names and message text (a substring, any case); blank means no search. */
      q: z.string().max(MAX_SEARCH_CHARS).optional(),
      /** Runs with at least one task of this model (exactly as recorded). */
      model: z.string().min(1).max(200).optional(),
      /** Last activity within [from, to]; a date alone means that whole UTC day. */
      from: isoTime.or(z.iso.date()).optional(),
      to: isoTime.or(z.iso.date()).optional(),
      /** The runs of this team (the caller must be a member) instead of the caller's own. */
      teamId: uuid.optional(),
    })
    .refine((p) => !(p.from && p.to && activityBound(p.from, 'from') > activityBound(p.to, 'to')), {
      message: 'from must not be after to',
      path: ['from'],
    }),
  'run.subscribe': z.strictObject({ runId: uuid }),
  'run.unsubscribe': z.strictObject({ runId: uuid }),
  'run.replay': z.strictObject({
    runId: uuid,
    speed: z.number().finite().min(0).max(10_000).optional(),
    fromVersion: z.number().int().min(0).optional(),
  }),
  'run.at': z
    .strictObject({ runId: uuid, version: z.number().int().min(0).optional(), at: isoTime.optional() })
    .refine((p) => !(p.version !== undefined && p.at !== undefined), {
      message: 'give version or at, not both',
    }),
  'usage.summary': z.strictObject({
    from: isoTime.or(z.iso.date()).optional(),
    to: isoTime.or(z.iso.date()).optional(),
    groupBy: z.enum(['day', 'model']),
    /** The usage of this team's runs (the caller must be its admin) instead of the caller's own. */
    teamId: uuid.optional(),
  }),
  'projections.status': z.strictObject({}),
  'projections.rebuild': z.strictObject({ name: z.string().min(1).max(100).optional() }),
  'prices.list': z.strictObject({}),
  'prices.missing': z.strictObject({}),
  'projections.retry': z.strictObject({ runId: uuid, name: z.string().min(1).max(100).optional() }),
  'projections.skip': z.strictObject({ runId: uuid, name: z.string().min(1).max(100).optional() }),
  ...budgetCommandSchemas,
  ...shareCommandSchemas,
} as const;

export type CommandName = keyof typeof commandSchemas;
export type CommandPayload<N extends CommandName> = z.infer<(typeof commandSchemas)[N]>;
export const COMMAND_NAMES = Object.keys(commandSchemas) as CommandName[];

/** Commands that append events (they accept commandId and are idempotent). */
export const WRITE_COMMANDS = [
  'run.start',
  'task.create',
  'task.chunk',
  'task.chunks',
  'task.complete',
  'task.fail',
  'run.rename',
  'run.star',
  'run.archive',
  'run.delete',
  'run.share',
  'run.unshare',
] as const satisfies readonly CommandName[];
export type WriteCommandName = (typeof WRITE_COMMANDS)[number];
export const ADMIN_COMMANDS: readonly CommandName[] = [
  'projections.status',
  'projections.rebuild',
  'prices.list',
  'prices.missing',
  'projections.retry',
  'projections.skip',
  'budget.set',
  'budget.clear',
];

/** A validated command: its name and payload, so a `switch (command.name)` narrows the payload with it. */
export type ParsedCommand = {
  [N in CommandName]: { readonly name: N; readonly payload: CommandPayload<N> };
}[CommandName];
export type WriteCommand = Extract<ParsedCommand, { name: WriteCommandName }>;

const WRITE_NAMES: ReadonlySet<string> = new Set(WRITE_COMMANDS);
export const isWriteCommand = (command: ParsedCommand): command is WriteCommand =>
  WRITE_NAMES.has(command.name);
export const isCommandName = (name: string): name is CommandName => Object.hasOwn(commandSchemas, name);
