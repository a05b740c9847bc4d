import { GEN_AI, providerValue } from './attributes';

/** The names the ledger emits are the ones the official conventions define (@opentelemetry/semantic-conventions). */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const semconv = require('@opentelemetry/semantic-conventions/incubating') as Record<string, string>;

describe('GenAI attribute names', () => {
  it.each([
    ['PROVIDER_NAME', 'ATTR_GEN_AI_PROVIDER_NAME'],
    ['OPERATION_NAME', 'ATTR_GEN_AI_OPERATION_NAME'],
    ['CONVERSATION_ID', 'ATTR_GEN_AI_CONVERSATION_ID'],
    ['REQUEST_MODEL', 'ATTR_GEN_AI_REQUEST_MODEL'],
    ['RESPONSE_ID', 'ATTR_GEN_AI_RESPONSE_ID'],
    ['RESPONSE_MODEL', 'ATTR_GEN_AI_RESPONSE_MODEL'],
    ['RESPONSE_FINISH_REASONS', 'ATTR_GEN_AI_RESPONSE_FINISH_REASONS'],
    ['RESPONSE_TIME_TO_FIRST_CHUNK', 'ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK'],
    ['USAGE_INPUT_TOKENS', 'ATTR_GEN_AI_USAGE_INPUT_TOKENS'],
    ['USAGE_OUTPUT_TOKENS', 'ATTR_GEN_AI_USAGE_OUTPUT_TOKENS'],
    ['USAGE_CACHE_READ_INPUT_TOKENS', 'ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS'],
    ['USAGE_CACHE_CREATION_INPUT_TOKENS', 'ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS'],
    ['USAGE_REASONING_OUTPUT_TOKENS', 'ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS'],
    ['ERROR_TYPE', 'ATTR_ERROR_TYPE'],
  ] as const)('%s is %s', (ours, theirs) => {
    expect(semconv[theirs]).toBeDefined();
    expect(GEN_AI[ours]).toBe(semconv[theirs]);
  });

  it('does not use the deprecated gen_ai.system or the old usage names', () => {
    const names = Object.values(GEN_AI) as string[];
    expect(names).not.toContain(semconv.ATTR_GEN_AI_SYSTEM);
    expect(names).not.toContain('gen_ai.usage.cache_read_input_tokens');
    expect(names).not.toContain('gen_ai.usage.reasoning_tokens');
  });

  it('maps providers to the well-known gen_ai.provider.name values', () => {
    const known = new Set(
      Object.entries(semconv)
        .filter(([k]) => k.startsWith('GEN_AI_PROVIDER_NAME_VALUE_'))
        .map(([, v]) => v),
    );
    for (const p of [
      'openai',
      'anthropic',
      'google',
      'vertex',
      'bedrock',
      'mistral',
      'xai',
      'deepseek',
      'groq',
      'azure',
    ])
      expect(known).toContain(providerValue(p));
    expect(providerValue('vertex_ai')).toBe(semconv.GEN_AI_PROVIDER_NAME_VALUE_GCP_VERTEX_AI);
    expect(providerValue('Acme')).toBe('acme');
  });
});
