import type { Socket as TcpSocket } from 'node:net';

/** Counts the system-call writes a TCP socket makes from now on (each `_write` or `_writev` is one). */
export function countTcpWrites(tcp: TcpSocket): () => number {
  let count = 0;
  for (const method of ['_write', '_writev'] as const) {
    const original = (tcp[method] as (...args: unknown[]) => void).bind(tcp);
    (tcp as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
      count += 1;
      original(...args);
    };
  }
  return () => count;
}
