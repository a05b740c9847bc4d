import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Waits out what is left of `intervalMs` since `started` (SubscribeOptions.minBatchIntervalMs), or until `halt`
 * aborts (the subscription stops: it must not wait for the interval).
 */
export async function restOfInterval(started: number, intervalMs = 0, halt?: AbortSignal): Promise<void> {
  const rest = started + intervalMs - Date.now();
  if (rest <= 0 || halt?.aborted) return;
  await sleep(rest, undefined, { signal: halt }).catch(() => undefined);
}
