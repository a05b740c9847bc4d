import { createHmac } from 'node:crypto';

/** `sha256=<hex HMAC-SHA256 of the raw body>`: what `X-Ledger-Signature` carries. */
export function signAlertBody(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

export class WebhookRefused extends Error {
  constructor(readonly status: number) {
    super(`the alert webhook answered HTTP ${status}`);
    this.name = 'WebhookRefused';
  }
}

export interface WebhookTarget {
  readonly url: string;
  readonly secret: string;
  readonly timeoutMs: number;
}

/** One POST of an alert; resolves on a 2xx answer, rejects on anything else (a timeout included). */
export async function postAlert(
  target: WebhookTarget,
  alertId: string,
  body: string,
  stop: AbortSignal,
): Promise<void> {
  const response = await fetch(target.url, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      'X-Ledger-Alert-Id': alertId,
      'X-Ledger-Signature': signAlertBody(body, target.secret),
    },
    body,
    // A redirect is an answer that is not 2xx (retried), never a second destination for the signed body.
    redirect: 'manual',
    signal: AbortSignal.any([stop, AbortSignal.timeout(target.timeoutMs)]),
  });
  // Drain the answer so the connection can be reused.
  await response.arrayBuffer().catch(() => undefined);
  if (response.status < 200 || response.status > 299) throw new WebhookRefused(response.status);
}
