/** How provider and model names are read before they are matched against the catalog. */

const PROVIDER_ALIASES: Readonly<Record<string, string>> = {
  openai: 'openai',
  'open-ai': 'openai',
  azure: 'azure',
  'azure-openai': 'azure',
  anthropic: 'anthropic',
  claude: 'anthropic',
  google: 'google',
  gemini: 'google',
  vertex: 'google',
  'vertex-ai': 'google',
  vertexai: 'google',
  'google-ai': 'google',
  googleai: 'google',
  'google-genai': 'google',
  'google-vertex': 'google',
  bedrock: 'bedrock',
  'aws-bedrock': 'bedrock',
  'amazon-bedrock': 'bedrock',
  aws: 'bedrock',
  mistral: 'mistral',
  mistralai: 'mistral',
  'mistral-ai': 'mistral',
  xai: 'xai',
  'x-ai': 'xai',
  grok: 'xai',
  deepseek: 'deepseek',
  'deepseek-ai': 'deepseek',
  groq: 'groq',
  together: 'together',
  'together-ai': 'together',
  togetherai: 'together',
  meta: 'meta',
  'meta-llama': 'meta',
  llama: 'meta',
};

/** The canonical provider ('openai', 'anthropic', 'google', …) or null when the name is not one we know. */
export function normaliseProvider(provider: string): string | null {
  const key = provider
    .trim()
    .toLowerCase()
    .replace(/[\s_.]+/g, '-');
  return PROVIDER_ALIASES[key] ?? null;
}

/** First path segments naming the model's vendor in a gateway id (`openai/gpt-4o`, OpenRouter, LiteLLM). */
const VENDOR_PREFIXES: Readonly<Record<string, string>> = {
  openai: 'openai',
  anthropic: 'anthropic',
  google: 'google',
  gemini: 'google',
  vertex_ai: 'google',
  'x-ai': 'xai',
  xai: 'xai',
  mistral: 'mistral',
  mistralai: 'mistral',
  deepseek: 'deepseek',
  'deepseek-ai': 'deepseek',
  groq: 'groq',
  together: 'together',
  together_ai: 'together',
};

/** Bedrock model ids: `[geo.]vendor.model[-vN][:M]` (`us.anthropic.claude-sonnet-4-20250514-v1:0`). */
const BEDROCK_ID =
  /^(?:(us|eu|apac|global|us-gov|jp|au|ca|apne\d)\.)?(anthropic|meta|mistral|amazon|cohere|ai21|deepseek|openai|qwen|writer)\.(.+?)(?:-v\d+)?(?::\d+)?$/;
const BEDROCK_VENDORS: Readonly<Record<string, string>> = {
  anthropic: 'anthropic',
  mistral: 'mistral',
  deepseek: 'deepseek',
  openai: 'openai',
  meta: 'meta',
};

/** A model id as the matcher sees it. */
export interface ModelRef {
  /** The lower-cased id without host wrappers: `claude-sonnet-4-20250514`, `gpt-4o`. */
  readonly model: string;
  /** The vendor whose list price applies (from the id or the provider), or null when unknown. */
  readonly vendor: string | null;
  /**
   * A region named by the id itself: Bedrock's geographic inference-profile prefix as `bedrock-us`, `bedrock-eu`…
   * (`global.` is none). Host-qualified so that it never takes a vendor's own region price (Anthropic's `us`).
   */
  readonly region: string | null;
}

/**
 * Reads a (provider, model) pair into the vendor whose list prices apply and the bare model id. Only wrappers that a
 * host adds around a vendor's id are removed — never a part of the vendor's own id (no snapshot stripping):
 * `models/…` and Vertex `publishers/<vendor>/models/…` paths, a gateway's `vendor/` prefix, Bedrock's
 * `[geo.]vendor.…-v1:0`, Vertex's `@YYYYMMDD` (Anthropic's `-YYYYMMDD`).
 */
export function resolveModel(provider: string, model: string): ModelRef {
  const host = normaliseProvider(provider);
  let name = model.trim().toLowerCase();
  let vendor: string | null = null;
  let region: string | null = null;

  const publisher = /(?:^|\/)publishers\/([^/]+)\/models\/([^/]+)$/.exec(name);
  if (publisher) {
    vendor = publisher[1] === 'google' ? 'google' : (normaliseProvider(publisher[1]) ?? null);
    name = publisher[2];
  }
  for (;;) {
    const slash = name.indexOf('/');
    if (slash <= 0) break;
    const head = name.slice(0, slash);
    if (head === 'models') name = name.slice(slash + 1);
    else if (VENDOR_PREFIXES[head]) {
      vendor = VENDOR_PREFIXES[head];
      name = name.slice(slash + 1);
    } else break;
  }

  const bedrock = BEDROCK_ID.exec(name);
  if (bedrock && (host === 'bedrock' || host === null || bedrock[1] !== undefined)) {
    region = bedrock[1] === undefined || bedrock[1] === 'global' ? null : `bedrock-${bedrock[1]}`;
    vendor = BEDROCK_VENDORS[bedrock[2]] ?? 'bedrock';
    name = bedrock[3];
  }

  // Vertex AI names Anthropic snapshots `claude-sonnet-4@20250514` (and `claude-3-5-sonnet-v2@20241022`).
  const vertex = /^(claude-.+?)(-v\d+)?@(\d{8})$/.exec(name);
  if (vertex) name = `${vertex[1]}-${vertex[3]}`;

  if (vendor === null) {
    if (name.startsWith('claude-') && (host === 'google' || host === 'bedrock')) vendor = 'anthropic';
    else if (host !== null && host !== 'bedrock' && host !== 'azure') vendor = host;
  }
  return { model: name, vendor, region };
}

/** The bare lower-cased model id (host wrappers removed), whatever the provider. */
export function normaliseModel(model: string): string {
  return resolveModel('', model).model;
}
