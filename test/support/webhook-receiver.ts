import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedHook {
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
  /** Set when the receiver answers; a held request has none until `release()`. */
  answered: boolean;
}

/** A local HTTP server standing in for an alert webhook receiver: answers 200 at once, or holds every request. */
export interface WebhookReceiver {
  readonly url: string;
  readonly received: ReceivedHook[];
  /** `answer`: 200 at once; `hold`: never answers until `release()`. */
  mode: 'answer' | 'hold';
  /** Resolves once a request satisfying `predicate` has arrived (answered or not). */
  next(predicate: (hook: ReceivedHook) => boolean): Promise<ReceivedHook>;
  /** Answers 200 to every held request. */
  release(): void;
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: ReceivedHook[] = [];
  const held: Array<{ hook: ReceivedHook; res: ServerResponse }> = [];
  const waiters: Array<{ predicate: (h: ReceivedHook) => boolean; resolve: (h: ReceivedHook) => void }> = [];
  const receiver = {} as WebhookReceiver;
  const server: Server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const hook: ReceivedHook = {
        headers: req.headers,
        body: Buffer.concat(parts).toString('utf8'),
        answered: false,
      };
      received.push(hook);
      if (receiver.mode === 'answer') {
        hook.answered = true;
        res.writeHead(200).end('ok');
      } else held.push({ hook, res });
      for (const w of [...waiters])
        if (w.predicate(hook)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(hook);
        }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  Object.assign(receiver, {
    url: `http://127.0.0.1:${port}/alerts`,
    received,
    mode: 'answer',
    next: (predicate: (h: ReceivedHook) => boolean) => {
      const found = received.find(predicate);
      if (found) return Promise.resolve(found);
      return new Promise<ReceivedHook>((resolve) => waiters.push({ predicate, resolve }));
    },
    release: () => {
      for (const { hook, res } of held.splice(0)) {
        hook.answered = true;
        res.writeHead(200).end('ok');
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        receiver.release();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
  return receiver;
}
