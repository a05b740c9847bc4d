import type { ClientCore } from './core';
import { LedgerClientError } from './errors';
import type { SubscriptionHandlers } from './types';

interface Subscription {
  handlers: Set<SubscriptionHandlers>;
  ready: Promise<void>;
}

/**
 * The client's run subscriptions: one `run.subscribe` per run however many handlers listen, dropped with the last
 * handler, and renewed after a reconnect. A handler that throws is reported, never breaks the others.
 */
export class RunSubscriptions {
  private readonly subscriptions = new Map<string, Subscription>();

  constructor(
    private readonly core: ClientCore,
    private readonly connected: () => boolean,
    private readonly onError: ((error: LedgerClientError) => void) | undefined,
  ) {}

  async subscribe(runId: string, handlers: SubscriptionHandlers): Promise<() => Promise<void>> {
    let sub = this.subscriptions.get(runId);
    if (!sub) {
      const ready = this.core.read('run.subscribe', { runId }).then(() => undefined);
      const created: Subscription = { handlers: new Set(), ready };
      sub = created;
      this.subscriptions.set(runId, created);
      ready.catch(() => {
        if (this.subscriptions.get(runId) === created) this.subscriptions.delete(runId);
      });
    }
    sub.handlers.add(handlers);
    try {
      await sub.ready;
    } catch (e) {
      sub.handlers.delete(handlers);
      throw e;
    }
    const current = sub;
    let done = false;
    return async () => {
      if (done) return;
      done = true;
      current.handlers.delete(handlers);
      if (current.handlers.size > 0 || this.subscriptions.get(runId) !== current) return;
      this.subscriptions.delete(runId);
      if (this.connected()) await this.core.read('run.unsubscribe', { runId });
    };
  }

  dispatch(runId: string, call: (h: SubscriptionHandlers) => void): void {
    this.subscriptions.get(runId)?.handlers.forEach((h) => {
      try {
        call(h);
      } catch (e) {
        this.onError?.(new LedgerClientError('INTERNAL', `a subscription handler threw: ${String(e)}`, e));
      }
    });
  }

  resubscribe(): void {
    for (const runId of this.subscriptions.keys())
      this.core.read('run.subscribe', { runId }).catch((e: unknown) => {
        const error = e instanceof LedgerClientError ? e : new LedgerClientError('INTERNAL', String(e), e);
        this.onError?.(error);
      });
  }
}
