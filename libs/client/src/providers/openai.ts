import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import type { CompletionUsage } from 'openai/resources/completions';
import type { RecordableTask } from '../task';
import type { CompleteTaskInput, UsageInput } from '../types';
import { recordStream } from './record-stream';

/** Service tiers billed at the standard price: not recorded (the usage stays as small as before). */
const STANDARD_TIERS = new Set(['default', 'auto', 'standard']);

/**
 * OpenAI usage in the ledger's convention. `prompt_tokens` already includes the cached (and cache-write) tokens and
 * the audio tokens, `completion_tokens` the reasoning and audio tokens, so they map one to one. The ledger counts
 * audio as a part of the uncached input, so the audio part is capped at what the cache did not cover.
 * `serviceTier` is the response's `service_tier` (flex, priority, scale…: each has its own price).
 */
export function normalizeOpenAIUsage(usage: CompletionUsage, serviceTier?: string | null): UsageInput {
  const cached = usage.prompt_tokens_details?.cached_tokens ?? 0;
  const cacheWrite = usage.prompt_tokens_details?.cache_write_tokens ?? 0;
  const reasoning = usage.completion_tokens_details?.reasoning_tokens ?? 0;
  const inputAudio = Math.min(
    usage.prompt_tokens_details?.audio_tokens ?? 0,
    Math.max(0, usage.prompt_tokens - cached - cacheWrite),
  );
  const outputAudio = Math.min(
    usage.completion_tokens_details?.audio_tokens ?? 0,
    Math.max(0, usage.completion_tokens - reasoning),
  );
  return {
    inputTokens: usage.prompt_tokens,
    outputTokens: usage.completion_tokens,
    cachedInputTokens: cached,
    ...(cacheWrite > 0 ? { cacheWriteTokens: cacheWrite } : {}),
    reasoningTokens: reasoning,
    ...(inputAudio > 0 ? { inputAudioTokens: inputAudio } : {}),
    ...(outputAudio > 0 ? { outputAudioTokens: outputAudio } : {}),
    ...(serviceTier && !STANDARD_TIERS.has(serviceTier) ? { serviceTier } : {}),
    totalTokens: usage.prompt_tokens + usage.completion_tokens,
  };
}

/**
 * Records an OpenAI chat completion stream (`stream: true`; add `stream_options: { include_usage: true }` for the
 * provider's usage, else the ledger estimates it) while yielding every chunk unchanged:
 * `for await (const chunk of recordOpenAIStream(task, stream)) …`.
 *
 * Choice 0's content deltas become `text` chunks, tool-call deltas `tool` chunks (payload = the delta), a refusal an
 * `info` chunk, other choices' deltas and moderation results `data` chunks. The task completes with the normalised
 * usage (audio parts and the service tier included) and the finish reason, or fails when the stream throws (the
 * error is rethrown) with the usage seen so far — none when the stream stopped before its usage chunk, and the
 * ledger then estimates it from the request and the text received.
 */
export function recordOpenAIStream(
  task: RecordableTask,
  stream: AsyncIterable<ChatCompletionChunk>,
): AsyncGenerator<ChatCompletionChunk, void, undefined> {
  let usage: UsageInput | undefined;
  let finishReason: string | undefined;
  let id: string | undefined;
  let model: string | undefined;
  let serviceTier: string | null | undefined;
  return recordStream(task, stream, {
    onItem(chunk) {
      id ??= chunk.id;
      model ??= chunk.model;
      // The tier that served the request (it prices it): the last chunk that names one.
      if (chunk.service_tier) serviceTier = chunk.service_tier;
      if (chunk.usage) usage = normalizeOpenAIUsage(chunk.usage, serviceTier);
      if (chunk.moderation) task.chunk({ kind: 'data', payload: { moderation: chunk.moderation } });
      for (const choice of chunk.choices) {
        if (choice.index !== 0) {
          task.chunk({ kind: 'data', payload: { choiceIndex: choice.index, delta: choice.delta } });
          continue;
        }
        if (choice.finish_reason) finishReason = choice.finish_reason;
        const { content, tool_calls, function_call, refusal } = choice.delta;
        if (content) task.chunk(content);
        for (const toolCall of tool_calls ?? []) task.chunk({ kind: 'tool', payload: { ...toolCall } });
        if (function_call) task.chunk({ kind: 'tool', payload: { function_call } });
        if (refusal) task.chunk({ kind: 'info', payload: { refusal } });
      }
    },
    completion(): CompleteTaskInput {
      return {
        ...(usage ? { usage } : {}),
        ...(finishReason ? { finishReason } : {}),
        ...(id ? { responseData: { id, ...(model ? { model } : {}) } } : {}),
      };
    },
    partialUsage: () => usage,
  });
}
