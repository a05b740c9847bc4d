import type { OtelDocument } from '@ledger/otel';

/**
 * Sends OTLP/JSON trace documents to an OTLP/HTTP endpoint (`<endpoint>/v1/traces`, as the OTLP exporters do), so
 * Langfuse, Phoenix or a collector shows what the ledger recorded. A non-2xx answer is an error naming the status.
 */

/** `key=value,key2=value2` (the OTEL_EXPORTER_OTLP_HEADERS format, values URL-decoded). */
export function parseOtlpHeaders(text: string | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const pair of (text ?? '').split(',')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) continue;
    headers[pair.slice(0, eq).trim()] = decodeURIComponent(pair.slice(eq + 1).trim());
  }
  return headers;
}

export function tracesUrl(endpoint: string): string {
  const base = endpoint.replace(/\/+$/, '');
  return base.endsWith('/v1/traces') ? base : `${base}/v1/traces`;
}

export async function postOtlp(
  endpoint: string,
  doc: OtelDocument,
  headers: Record<string, string> = {},
): Promise<void> {
  const response = await fetch(tracesUrl(endpoint), {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(doc),
    signal: AbortSignal.timeout(30_000),
  });
  if (!response.ok) {
    const body = (await response.text()).slice(0, 500);
    throw new Error(`OTLP endpoint ${tracesUrl(endpoint)} answered ${response.status}: ${body}`);
  }
}
