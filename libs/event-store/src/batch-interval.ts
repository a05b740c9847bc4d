import { setTimeout as sleep } from 'node:timers/promises';

/** Waits out what is left of `intervalMs` since `started` (SubscribeOptions.minBatchIntervalMs). */
export async function restOfInterval(started: number, intervalMs = 0): Promise<void> {
  const rest = started + intervalMs - Date.now();
  if (rest > 0) await sleep(rest);
}
