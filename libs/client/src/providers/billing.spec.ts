import {
  anthropicBillingStream,
  anthropicBillingText,
  anthropicBillingUsage,
} from '../../../../test/fixtures/anthropic-billing-stream';
import {
  openAIAudioStream,
  openAIAudioUsage,
  openAIFlexStream,
  openAIFlexUsage,
} from '../../../../test/fixtures/openai-billing-stream';
import { collect, failingAfter, InMemoryTask, streamOf } from '../../test/in-memory-task';
import { normalizeAnthropicUsage, recordAnthropicStream } from './anthropic';
import { normalizeOpenAIUsage, recordOpenAIStream } from './openai';

/** The billing dimensions the providers report reach task.complete, each once, in the ledger's convention. */
describe('billing dimensions from the provider streams', () => {
  it('OpenAI: the service tier that served the request', async () => {
    const task = new InMemoryTask();
    await collect(recordOpenAIStream(task, streamOf(openAIFlexStream)));
    expect(task.completed?.usage).toEqual(openAIFlexUsage);
  });

  it('OpenAI: audio tokens as parts of the input and the output; the default tier is not recorded', async () => {
    const task = new InMemoryTask();
    await collect(recordOpenAIStream(task, streamOf(openAIAudioStream)));
    expect(task.completed?.usage).toEqual(openAIAudioUsage);
  });

  it('OpenAI: audio never overlaps the cached part', () => {
    const usage = normalizeOpenAIUsage({
      prompt_tokens: 1000,
      completion_tokens: 10,
      total_tokens: 1010,
      prompt_tokens_details: { cached_tokens: 900, audio_tokens: 400 },
    });
    expect(usage).toMatchObject({ cachedInputTokens: 900, inputAudioTokens: 100 });
  });

  it('Anthropic: 1-hour cache writes, web searches, priority tier and US inference', async () => {
    const task = new InMemoryTask();
    await collect(recordAnthropicStream(task, streamOf(anthropicBillingStream)));
    expect(task.text).toBe(anthropicBillingText);
    expect(task.completed?.usage).toEqual(anthropicBillingUsage);
    // The server tool call and its result are recorded as chunks, not lost.
    expect(task.ofKind('tool')[0]).toMatchObject({ type: 'server_tool_use', name: 'web_search' });
    expect(task.ofKind('data')[0]).toMatchObject({ type: 'web_search_tool_result' });
  });

  it('Anthropic: standard tier and global inference are the list price and are not recorded', () => {
    expect(
      normalizeAnthropicUsage({
        input_tokens: 10,
        output_tokens: 5,
        cache_read_input_tokens: 0,
        cache_creation_input_tokens: 0,
        service_tier: 'standard',
        inference_geo: 'global',
      }),
    ).toEqual({
      inputTokens: 10,
      outputTokens: 5,
      cachedInputTokens: 0,
      cacheWriteTokens: 0,
      totalTokens: 15,
    });
  });

  it('Anthropic: a stream cut before message_delta fails with the usage of message_start', async () => {
    const task = new InMemoryTask();
    const cut = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    await expect(
      collect(recordAnthropicStream(task, failingAfter(anthropicBillingStream.slice(0, 8), cut))),
    ).rejects.toBe(cut);
    expect(task.failed?.input.usage).toEqual({
      inputTokens: 6120,
      outputTokens: 2,
      cachedInputTokens: 0,
      cacheWriteTokens: 6000,
      cacheWrite1hTokens: 4500,
      serviceTier: 'priority',
      region: 'us',
      totalTokens: 6122,
    });
  });

  it('OpenAI: a stream cut before its usage chunk fails with no usage (the ledger estimates it from the text)', async () => {
    const task = new InMemoryTask();
    const cut = new Error('aborted');
    await expect(
      collect(recordOpenAIStream(task, failingAfter(openAIFlexStream.slice(0, 3), cut))),
    ).rejects.toBe(cut);
    expect(task.text).toBe('Batch later.');
    expect(task.failed?.input).toEqual({});
  });
});
