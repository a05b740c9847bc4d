/**
 * The OpenTelemetry GenAI semantic-convention names the ledger emits (checked against
 * @opentelemetry/semantic-conventions in attributes.spec.ts), and its own `ledger.*` extensions.
 */
export const GEN_AI = {
  PROVIDER_NAME: 'gen_ai.provider.name',
  OPERATION_NAME: 'gen_ai.operation.name',
  CONVERSATION_ID: 'gen_ai.conversation.id',
  REQUEST_MODEL: 'gen_ai.request.model',
  RESPONSE_ID: 'gen_ai.response.id',
  RESPONSE_MODEL: 'gen_ai.response.model',
  RESPONSE_FINISH_REASONS: 'gen_ai.response.finish_reasons',
  RESPONSE_TIME_TO_FIRST_CHUNK: 'gen_ai.response.time_to_first_chunk',
  USAGE_INPUT_TOKENS: 'gen_ai.usage.input_tokens',
  USAGE_OUTPUT_TOKENS: 'gen_ai.usage.output_tokens',
  USAGE_CACHE_READ_INPUT_TOKENS: 'gen_ai.usage.cache_read.input_tokens',
  USAGE_CACHE_CREATION_INPUT_TOKENS: 'gen_ai.usage.cache_creation.input_tokens',
  USAGE_REASONING_OUTPUT_TOKENS: 'gen_ai.usage.reasoning.output_tokens',
  /** Not in the conventions: the de-facto extension Langfuse reads (USD, a double). */
  USAGE_COST: 'gen_ai.usage.cost',
  ERROR_TYPE: 'error.type',
} as const;

/** `gen_ai.provider.name` well-known values, by the ledger's provider names. Others are sent lower-cased as given. */
const PROVIDER_VALUES: Readonly<Record<string, string>> = {
  openai: 'openai',
  anthropic: 'anthropic',
  claude: 'anthropic',
  google: 'gcp.gemini',
  gemini: 'gcp.gemini',
  'google-genai': 'gcp.gen_ai',
  vertex: 'gcp.vertex_ai',
  vertex_ai: 'gcp.vertex_ai',
  'vertex-ai': 'gcp.vertex_ai',
  bedrock: 'aws.bedrock',
  'aws-bedrock': 'aws.bedrock',
  azure: 'azure.ai.openai',
  'azure-openai': 'azure.ai.openai',
  mistral: 'mistral_ai',
  mistralai: 'mistral_ai',
  xai: 'x_ai',
  'x-ai': 'x_ai',
  deepseek: 'deepseek',
  groq: 'groq',
  cohere: 'cohere',
  perplexity: 'perplexity',
};

export function providerValue(provider: string): string {
  const key = provider.trim().toLowerCase();
  return PROVIDER_VALUES[key] ?? key;
}

/** `gen_ai.operation.name` from the task's endpoint. */
export function operationOf(endpoint: string): string {
  if (/embed/i.test(endpoint)) return 'embeddings';
  if (/generateContent/i.test(endpoint)) return 'generate_content';
  if (/chat|messages|responses/i.test(endpoint)) return 'chat';
  if (/completions/i.test(endpoint)) return 'text_completion';
  return 'chat';
}
