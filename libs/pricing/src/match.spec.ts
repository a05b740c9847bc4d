import { defaultPricing } from './pricing';
import { normaliseProvider, resolveModel } from './names';

const pricing = defaultPricing();
const AT = '2026-11-24T12:00:00Z';
const idOf = (provider: string, model: string, at = AT) => pricing.find(provider, model, at)?.id ?? null;

describe('names', () => {
  it('normalises provider aliases', () => {
    expect(normaliseProvider('OpenAI')).toBe('openai');
    expect(normaliseProvider('vertex_ai')).toBe('google');
    expect(normaliseProvider('Gemini')).toBe('google');
    expect(normaliseProvider('together_ai')).toBe('together');
    expect(normaliseProvider('x.ai')).toBe('xai');
    expect(normaliseProvider('mistralai')).toBe('mistral');
    expect(normaliseProvider('aws_bedrock')).toBe('bedrock');
    expect(normaliseProvider('acme-cloud')).toBeNull();
  });

  it('removes host wrappers, never a part of the vendor id', () => {
    expect(resolveModel('openrouter', 'openai/GPT-4o')).toEqual({
      model: 'gpt-4o',
      vendor: 'openai',
      region: null,
    });
    expect(resolveModel('google', 'models/gemini-2.5-pro').model).toBe('gemini-2.5-pro');
    expect(resolveModel('bedrock', 'us.anthropic.claude-sonnet-4-20250514-v1:0')).toEqual({
      model: 'claude-sonnet-4-20250514',
      vendor: 'anthropic',
      region: 'bedrock-us',
    });
    expect(resolveModel('bedrock', 'anthropic.claude-3-5-sonnet-20240620-v1:0').model).toBe(
      'claude-3-5-sonnet-20240620',
    );
    expect(resolveModel('vertex', 'claude-sonnet-4@20250514')).toEqual({
      model: 'claude-sonnet-4-20250514',
      vendor: 'anthropic',
      region: null,
    });
    expect(resolveModel('vertex', 'claude-3-5-sonnet-v2@20241022').model).toBe('claude-3-5-sonnet-20241022');
    expect(
      resolveModel(
        'vertex',
        'projects/p/locations/us-east5/publishers/anthropic/models/claude-opus-4-1@20250805',
      ),
    ).toEqual({ model: 'claude-opus-4-1-20250805', vendor: 'anthropic', region: null });
    expect(resolveModel('groq', 'meta-llama/Llama-3.3-70B').model).toBe('meta-llama/llama-3.3-70b');
    expect(resolveModel('openai', 'gpt-4o-2024-08-06').model).toBe('gpt-4o-2024-08-06');
  });
});

describe('find(): strict matching', () => {
  it('matches exact ids', () => {
    expect(idOf('openai', 'gpt-4.1-mini')).toBe('openai/gpt-4.1-mini@2025-04-14');
    expect(idOf('anthropic', 'claude-opus-4-1')).toBe('anthropic/claude-opus-4-1@2025-08-05');
  });

  it('prices a dated snapshot by the entry that names it, from its own launch', () => {
    // gpt-4o-2024-08-06 launched at $2.50/$10 while the gpt-4o alias still cost $5/$15.
    expect(idOf('openai', 'gpt-4o-2024-08-06', '2024-09-01T00:00:00Z')).toBe(
      'openai/gpt-4o-2024-08-06@2024-08-06',
    );
    expect(idOf('openai', 'gpt-4o', '2024-09-01T00:00:00Z')).toBe('openai/gpt-4o@2024-05-13');
    expect(idOf('openai', 'gpt-4o-2024-08-06', '2024-10-02T00:00:00Z')).toBe('openai/gpt-4o@2024-10-02');
    expect(idOf('openai', 'gpt-4o-2024-08-06', '2024-08-01T00:00:00Z')).toBeNull(); // before it existed
    expect(idOf('openai', 'gpt-4o-2024-05-13')).toBe('openai/gpt-4o-2024-05-13@2024-05-13');
    expect(idOf('openai', 'gpt-3.5-turbo-0613')).toBe('openai/gpt-3.5-turbo-0613@2023-06-13');
    expect(idOf('openai', 'gpt-3.5-turbo-1106')).toBe('openai/gpt-3.5-turbo-1106@2023-11-06');
    expect(idOf('openai', 'gpt-3.5-turbo-0125')).toBe('openai/gpt-3.5-turbo@2024-01-25');
    expect(idOf('anthropic', 'claude-sonnet-4-20250514')).toBe('anthropic/claude-sonnet-4@2025-05-14');
    expect(idOf('xai', 'grok-4-0709', '2025-08-01T00:00:00Z')).toBe('xai/grok-4@2025-07-09');
  });

  it('prices a dated snapshot no entry names as its model (the protocol), never before its date', () => {
    expect(idOf('openai', 'gpt-4o-2025-03-01')).toBe(idOf('openai', 'gpt-4o'));
    expect(idOf('openai', 'gpt-4o-mini-2025-01-01')).toBe(idOf('openai', 'gpt-4o-mini'));
    expect(idOf('anthropic', 'claude-sonnet-4-20250901')).toBe(idOf('anthropic', 'claude-sonnet-4'));
    expect(idOf('openai', 'gpt-4o-2025-03-01')).not.toBeNull();
    // At the call's moment: the model's price then, and no price for a snapshot dated later than the call.
    expect(idOf('openai', 'gpt-4o-2025-03-01', '2025-06-01T00:00:00Z')).toBe(
      idOf('openai', 'gpt-4o', '2025-06-01T00:00:00Z'),
    );
    expect(idOf('openai', 'gpt-4o-2025-03-01', '2025-02-28T00:00:00Z')).toBeNull();
    // Not dates: no price.
    expect(idOf('openai', 'gpt-4o-2025-02-30')).toBeNull();
    expect(idOf('openai', 'gpt-4o-2025-0301')).toBeNull();
    expect(idOf('openai', 'gpt-4o-turbo-2025-03-01')).toBeNull(); // its model is no model
  });

  it('follows -latest aliases through their history', () => {
    expect(idOf('mistral', 'mistral-large-latest', '2025-06-01T00:00:00Z')).toBe(
      'mistral/mistral-large@2024-11-18',
    );
    expect(idOf('mistral', 'mistral-large-latest')).toBe('mistral/mistral-large@2025-12-02');
    expect(idOf('mistral', 'mistral-large-2411')).toBe('mistral/mistral-large-2411@2024-11-18');
    expect(idOf('mistral', 'mistral-large-2512')).toBe('mistral/mistral-large-2512@2025-12-02');
    expect(idOf('mistral', 'mistral-medium-latest', '2026-01-01T00:00:00Z')).toBe(
      'mistral/mistral-medium@2025-05-07',
    );
    expect(idOf('mistral', 'mistral-medium-latest')).toBe('mistral/mistral-medium-latest@2026-06-16');
    expect(idOf('mistral', 'mistral-small-2603')).toBe('mistral/mistral-small-2603@2026-03-01');
  });

  it('matches the ids of the issue that used to get no price', () => {
    expect(idOf('anthropic', 'claude-opus-4-0')).toBe('anthropic/claude-opus-4@2025-05-14');
    expect(idOf('anthropic', 'claude-sonnet-4-0')).toBe('anthropic/claude-sonnet-4@2025-05-14');
    expect(idOf('google', 'gemini-2.5-flash-preview-09-2025')).toBe('google/gemini-2.5-flash@2025-06-17');
    expect(idOf('bedrock', 'us.anthropic.claude-sonnet-4-20250514-v1:0')).toBe(
      'anthropic/claude-sonnet-4@2025-05-14',
    );
    expect(idOf('bedrock', 'anthropic.claude-3-7-sonnet-20250219-v1:0')).toBe(
      'anthropic/claude-3-7-sonnet@2025-02-19',
    );
    expect(idOf('vertex', 'claude-sonnet-4@20250514')).toBe('anthropic/claude-sonnet-4@2025-05-14');
    expect(idOf('google', 'claude-opus-4-1@20250805')).toBe('anthropic/claude-opus-4-1@2025-08-05');
    expect(idOf('openrouter', 'openai/gpt-4o')).toBe('openai/gpt-4o@2024-10-02');
    expect(idOf('openrouter', 'anthropic/claude-haiku-4-5')).toBe('anthropic/claude-haiku-4-5@2025-10-01');
  });

  it('is provider-aware: the same Llama is priced by its host', () => {
    expect(idOf('groq', 'llama-3.3-70b-versatile')).toBe('groq/llama-3.3-70b-versatile@2024-12-06');
    expect(idOf('together_ai', 'meta-llama/Llama-3.3-70B-Instruct-Turbo')).toBe(
      'together/meta-llama/Llama-3.3-70B-Instruct-Turbo@2024-12-06',
    );
    expect(idOf('groq', 'meta-llama/Llama-3.3-70B-Instruct-Turbo')).toBeNull();
    expect(idOf('openai', 'claude-sonnet-4')).toBeNull();
  });

  it('matches on the model alone when the host is unknown or has no entries', () => {
    expect(idOf('acme-gateway', 'gpt-4.1-mini')).toBe('openai/gpt-4.1-mini@2025-04-14');
    expect(idOf('meta', 'meta-llama/Llama-4-Scout-17B-16E-Instruct')).toBe(
      'together/meta-llama/Llama-4-Scout-17B-16E-Instruct@2025-04-05',
    );
  });

  it('falls to the imported genai-prices data only for ids the own catalog does not name', () => {
    expect(idOf('openai', 'gpt-5.6-sol')).toBe('genai-prices/openai/gpt-5.6-sol@2026-08-21');
    expect(idOf('anthropic', 'claude-opus-5')).toBe('genai-prices/anthropic/claude-opus-5@2023-01-01');
    // o3 is in the own catalog from 2025-04-16: before that no layer prices it.
    expect(idOf('openai', 'o3', '2025-01-01T00:00:00Z')).toBeNull();
  });

  it('gives no neighbour price to an unknown id', () => {
    expect(idOf('openai', 'gpt-2')).toBeNull();
    expect(idOf('openai', 'gpt-4o-2024-13-01')).toBeNull();
    expect(idOf('anthropic', 'claude-sonnet-4-5-turbo')).toBeNull();
    expect(idOf('openai', 'gpt-4o-mini-2099-01-01')).toBeNull();
    expect(idOf('mistral', 'mistral-large-2699')).toBeNull();
    expect(idOf('azure', 'gpt-4o')).toBeNull();
  });
});
