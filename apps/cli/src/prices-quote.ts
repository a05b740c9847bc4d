import { usageInput } from '@ledger/contract';
import { normaliseUsage, type Cost, type Usage } from '@ledger/domain';
import type { Pricing } from '@ledger/pricing';

/** `ledger prices quote`: the cost the server would record at TaskCompleted, computed by the same function. */

export interface QuoteRequest {
  provider: string;
  model: string;
  /** An ISO date or date-time (a date is its midnight UTC). */
  at: string;
  /** The usage as `task.complete` takes it (JSON text). */
  usage: string;
  serviceTier?: string;
}

export interface Quote {
  /** Exact decimal string in USD, or null when no price matches. */
  amount: string | null;
  currency: 'USD';
  priceId: string | null;
  prices: Cost['prices'];
  catalogVersion: string;
  provider: string;
  model: string;
  at: string;
  usage: Usage;
}

export class QuoteInputError extends Error {}

function parseAt(at: string): string {
  const iso = /^\d{4}-\d{2}-\d{2}$/.test(at) ? `${at}T00:00:00.000Z` : at;
  const ms = Date.parse(iso);
  if (Number.isNaN(ms) || !/^\d{4}-\d{2}-\d{2}/.test(at))
    throw new QuoteInputError(`--at must be an ISO date or date-time, not "${at}"`);
  return new Date(ms).toISOString();
}

function parseUsage(text: string, serviceTier: string | undefined): Usage {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new QuoteInputError(`--usage is not valid JSON (${(error as Error).message})`);
  }
  if (serviceTier !== undefined && typeof data === 'object' && data !== null)
    data = { ...(data as object), serviceTier };
  const parsed = usageInput.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue.path.length ? `${issue.path.join('.')}: ` : '';
    throw new QuoteInputError(`--usage: ${where}${issue.message}`);
  }
  return normaliseUsage(parsed.data);
}

export function quote(pricing: Pricing, request: QuoteRequest): Quote {
  const at = parseAt(request.at);
  const usage = parseUsage(request.usage, request.serviceTier);
  const cost = pricing.price({ provider: request.provider, model: request.model, usage, at });
  return {
    amount: cost.amount,
    currency: 'USD',
    priceId: cost.priceId,
    prices: cost.prices,
    catalogVersion: pricing.version,
    provider: request.provider,
    model: request.model,
    at,
    usage,
  };
}

export function quoteText(q: Quote): string {
  if (q.amount === null)
    return `no price for ${q.provider}/${q.model} at ${q.at} (catalog ${q.catalogVersion}): cost null`;
  const prices = Object.entries(q.prices ?? {})
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  return [
    `$${q.amount} USD`,
    `price entry  ${q.priceId}`,
    `prices       ${prices} (USD per 1M tokens; fees per unit)`,
    `catalog      ${q.catalogVersion}`,
  ].join('\n');
}
