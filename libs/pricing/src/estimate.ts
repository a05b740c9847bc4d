import type { EstimateRequest, Usage } from '@ledger/domain';
// The CommonJS builds are imported by path: the package's subpath exports are not seen by `moduleResolution: node`.
import * as cl100k from 'gpt-tokenizer/cjs/encoding/cl100k_base';
import * as o200k from 'gpt-tokenizer/cjs/encoding/o200k_base';
import { boundedCounter } from './estimate-budget';
import { normaliseModel, normaliseProvider } from './names';

/**
 * Token estimate for a task whose producer reported no usage: the request's text and the response text are
 * counted with an OpenAI BPE tokenizer (gpt-tokenizer).
 *
 * - o200k_base for gpt-4o, gpt-4.1, gpt-4.5, gpt-5, o-series, gpt-oss and chatgpt-4o; cl100k_base for older
 *   OpenAI models (gpt-4, gpt-4-turbo, gpt-3.5).
 * - Anthropic, Google, Mistral, xAI, DeepSeek and Llama use their own tokenizers, which are not available
 *   offline; o200k_base is used as the closest available approximation (typically within ~10–20%).
 * - Chat messages are counted the way OpenAI documents it for its chat models: 3 tokens per message, plus its
 *   role (and name: +1), plus its content; 3 more prime the reply.
 *
 * Cached, cache-write and reasoning tokens cannot be seen from the outside: they are 0 in an estimate.
 */

type Encoder = (text: string) => number;

// Special-token strings in user text are counted as ordinary text rather than rejected.
const plainText = { disallowedSpecial: new Set<string>() };
const o200kTokens: Encoder = (text) => o200k.countTokens(text, plainText);
const cl100kTokens: Encoder = (text) => cl100k.countTokens(text, plainText);

const O200K_MODELS = /^(gpt-4o|chatgpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|gpt-oss|o\d)/;
const CL100K_MODELS = /^(gpt-4|gpt-3\.5|gpt-35|text-embedding-3|text-embedding-ada)/;

/** The encoding used for a model: 'cl100k_base' for pre-4o OpenAI models, otherwise 'o200k_base'. */
export function encodingFor(provider: string, model: string): 'o200k_base' | 'cl100k_base' {
  const name = normaliseModel(model);
  const p = normaliseProvider(provider);
  if ((p === 'openai' || p === null) && !O200K_MODELS.test(name) && CL100K_MODELS.test(name))
    return 'cl100k_base';
  return 'o200k_base';
}

const TOKENS_PER_MESSAGE = 3;
const TOKENS_PER_NAME = 1;
const REPLY_PRIMING = 3;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The text of a message content: a string, or parts such as {type:'text', text} / {type:'input_text', text}. */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map(contentText).filter(Boolean).join('\n');
  if (isRecord(content)) {
    if (typeof content.text === 'string') return content.text;
    if (content.content !== undefined) return contentText(content.content);
    if (Array.isArray(content.parts)) return contentText(content.parts);
  }
  return '';
}

function countMessages(messages: readonly unknown[], count: Encoder): number {
  let total = 0;
  for (const m of messages) {
    if (!isRecord(m)) {
      total += count(contentText(m));
      continue;
    }
    total += TOKENS_PER_MESSAGE;
    if (typeof m.role === 'string') total += count(m.role);
    if (typeof m.name === 'string') total += TOKENS_PER_NAME + count(m.name);
    total += count(contentText(m.content ?? m.parts));
  }
  return messages.length > 0 ? total + REPLY_PRIMING : 0;
}

/** Tokens of a request payload: messages (OpenAI/Anthropic), contents (Gemini), system, prompt, input. */
export function countRequestTokens(
  requestData: Record<string, unknown>,
  count: Encoder = boundedCounter(o200kTokens),
): number {
  let total = 0;
  const { messages, contents, system, systemInstruction, prompt, input } = requestData;
  if (Array.isArray(messages)) total += countMessages(messages, count);
  if (Array.isArray(contents)) total += countMessages(contents, count);
  if (system !== undefined) total += count(contentText(system));
  if (systemInstruction !== undefined) total += count(contentText(systemInstruction));
  if (typeof prompt === 'string') total += count(prompt);
  else if (Array.isArray(prompt)) total += prompt.reduce<number>((n, p) => n + count(contentText(p)), 0);
  if (typeof input === 'string') total += count(input);
  else if (Array.isArray(input)) total += countMessages(input, count);
  return total;
}

/** A full Usage estimated from the request payload and the response text (bounded work: estimate-budget.ts). */
export function estimateUsage(request: EstimateRequest): Usage {
  const tokens = encodingFor(request.provider, request.model) === 'cl100k_base' ? cl100kTokens : o200kTokens;
  const count = boundedCounter(tokens);
  const inputTokens = countRequestTokens(request.requestData, count);
  const outputTokens = count(request.responseText);
  return {
    inputTokens,
    outputTokens,
    cachedInputTokens: 0,
    cacheWriteTokens: 0,
    reasoningTokens: 0,
    totalTokens: inputTokens + outputTokens,
  };
}
