/**
 * Waits until `check` holds, looking again every `everyMs`, or fails after `timeoutMs` naming what it waited for.
 * Only for state the test cannot be told about (another process, the database, a lock, a counter); what emits an
 * event is awaited on that event instead.
 */
export async function until(
  check: () => boolean | Promise<boolean>,
  what: string | (() => string),
  timeoutMs = 20_000,
  everyMs = 20,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline)
      throw new Error(`not within ${timeoutMs} ms: ${typeof what === 'string' ? what : what()}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
