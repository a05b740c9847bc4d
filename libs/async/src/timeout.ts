/**
 * Settles like `promise`, or rejects with `onTimeout()`'s error once `ms` have passed first. The timer is cleared
 * either way, so it never holds the process open; `promise` itself is not cancelled (the caller's to do).
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
