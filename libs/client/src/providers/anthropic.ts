import type { MessageDeltaUsage, RawMessageStreamEvent, Usage } from '@anthropic-ai/sdk/resources/messages';
import type { RecordableTask } from '../task';
import type { CompleteTaskInput, UsageInput } from '../types';
import { recordStream } from './record-stream';

type AnthropicUsage = Pick<
  Usage,
  'input_tokens' | 'output_tokens' | 'cache_read_input_tokens' | 'cache_creation_input_tokens'
> &
  Partial<Pick<Usage, 'cache_creation' | 'server_tool_use' | 'service_tier' | 'inference_geo'>>;

/** Service tiers and inference geographies billed at the list price: not recorded. */
const STANDARD_TIERS = new Set(['standard']);
const STANDARD_GEOS = new Set(['global']);

/**
 * Anthropic usage in the ledger's convention. Anthropic counts cache reads and cache writes OUTSIDE `input_tokens`,
 * so the ledger's inputTokens is their sum, with the reads as cachedInputTokens and the writes as cacheWriteTokens
 * (of which `cache_creation.ephemeral_1h_input_tokens` are the 1-hour writes, priced apart). Server-side web searches
 * are counted as webSearches; a `priority`/`batch` service tier and a `us` inference geography (1.1x) are kept.
 */
export function normalizeAnthropicUsage(usage: AnthropicUsage): UsageInput {
  const cacheRead = usage.cache_read_input_tokens ?? 0;
  const cacheWrite = usage.cache_creation_input_tokens ?? 0;
  const inputTokens = usage.input_tokens + cacheRead + cacheWrite;
  const oneHour = Math.min(usage.cache_creation?.ephemeral_1h_input_tokens ?? 0, cacheWrite);
  const searches = usage.server_tool_use?.web_search_requests ?? 0;
  const tier = usage.service_tier;
  const geo = usage.inference_geo;
  return {
    inputTokens,
    outputTokens: usage.output_tokens,
    cachedInputTokens: cacheRead,
    cacheWriteTokens: cacheWrite,
    ...(oneHour > 0 ? { cacheWrite1hTokens: oneHour } : {}),
    ...(searches > 0 ? { webSearches: searches } : {}),
    ...(tier && !STANDARD_TIERS.has(tier) ? { serviceTier: tier } : {}),
    ...(geo && !STANDARD_GEOS.has(geo) ? { region: geo } : {}),
    totalTokens: inputTokens + usage.output_tokens,
  };
}

/**
 * message_delta's usage is cumulative; a null field there keeps message_start's value. The 1-hour split, tier and
 * geography only come with message_start; when the cache writes change, the split is kept only if it still fits.
 */
function mergeUsage(base: AnthropicUsage, delta: MessageDeltaUsage): AnthropicUsage {
  return {
    ...base,
    input_tokens: delta.input_tokens ?? base.input_tokens,
    output_tokens: delta.output_tokens,
    cache_read_input_tokens: delta.cache_read_input_tokens ?? base.cache_read_input_tokens,
    cache_creation_input_tokens: delta.cache_creation_input_tokens ?? base.cache_creation_input_tokens,
    server_tool_use: delta.server_tool_use ?? base.server_tool_use ?? null,
  };
}

/**
 * Records an Anthropic Messages stream (`client.messages.create({ …, stream: true })`, or `client.messages.stream()`)
 * while yielding every event unchanged: `for await (const event of recordAnthropicStream(task, stream)) …`.
 *
 * `text_delta`s become `text` chunks; a `tool_use` block's start and its `input_json_delta`s become `tool` chunks;
 * other blocks' starts and other deltas (thinking, signature, citations) become `data` chunks. The task completes with
 * the normalised usage and the stop reason, or fails when the stream throws (the error is rethrown).
 */
export function recordAnthropicStream(
  task: RecordableTask,
  stream: AsyncIterable<RawMessageStreamEvent>,
): AsyncGenerator<RawMessageStreamEvent, void, undefined> {
  let usage: AnthropicUsage | undefined;
  let stopReason: string | undefined;
  let id: string | undefined;
  let model: string | undefined;
  return recordStream(task, stream, {
    onItem(event) {
      switch (event.type) {
        case 'message_start':
          id = event.message.id;
          model = event.message.model;
          usage = event.message.usage;
          return;
        case 'message_delta':
          usage = usage
            ? mergeUsage(usage, event.usage)
            : mergeUsage(
                {
                  input_tokens: 0,
                  output_tokens: 0,
                  cache_read_input_tokens: null,
                  cache_creation_input_tokens: null,
                },
                event.usage,
              );
          if (event.delta.stop_reason) stopReason = event.delta.stop_reason;
          return;
        case 'content_block_start': {
          const block = event.content_block;
          if (block.type === 'text') {
            if (block.text) task.chunk(block.text);
          } else if (block.type === 'tool_use' || block.type === 'server_tool_use')
            task.chunk({ kind: 'tool', payload: { index: event.index, ...block } });
          else task.chunk({ kind: 'data', payload: { index: event.index, ...block } });
          return;
        }
        case 'content_block_delta': {
          const delta = event.delta;
          if (delta.type === 'text_delta') {
            if (delta.text) task.chunk(delta.text);
          } else if (delta.type === 'input_json_delta')
            task.chunk({ kind: 'tool', payload: { index: event.index, ...delta } });
          else task.chunk({ kind: 'data', payload: { index: event.index, ...delta } });
          return;
        }
        case 'content_block_stop':
        case 'message_stop':
          return;
        default: {
          const unknown: never = event;
          task.chunk({ kind: 'info', payload: { event: unknown as unknown } });
        }
      }
    },
    completion(): CompleteTaskInput {
      return {
        ...(usage ? { usage: normalizeAnthropicUsage(usage) } : {}),
        ...(stopReason ? { finishReason: stopReason } : {}),
        ...(id ? { responseData: { id, ...(model ? { model } : {}) } } : {}),
      };
    },
    partialUsage: () => (usage ? normalizeAnthropicUsage(usage) : undefined),
  });
}
