import { connectLedger, type LedgerClient } from '@run-ledger/client';
import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';

/** What the components need from the SDK: the `LedgerClient` of `@run-ledger/client` provides it. */
export type LedgerApi = Pick<
  LedgerClient,
  | 'listRuns'
  | 'getRun'
  | 'runAt'
  | 'subscribe'
  | 'replay'
  | 'usageSummary'
  | 'run'
  | 'resumeRun'
  | 'onPush'
  | 'command'
  | 'request'
>;

const LedgerContext = createContext<LedgerApi | null>(null);

export interface LedgerProviderProps {
  /** The ledger's URL (its socket.io root namespace); ignored when `client` is given. */
  url?: string;
  /** The user's JWT; a new token reconnects. */
  token?: string;
  /** An SDK client made by the host (it stays the host's to close). */
  client?: LedgerApi;
  /** Extra socket.io-client options (e.g. `{ transports: ['websocket'] }`). */
  socketOptions?: Record<string, unknown>;
  children?: ReactNode;
}

/** Gives the components below it one connection to the ledger (made from url + token, or the host's `client`). */
export function LedgerProvider({ url, token, client, socketOptions, children }: LedgerProviderProps) {
  const [own, setOwn] = useState<LedgerClient | null>(null);
  useEffect(() => {
    if (client || !url || !token) return;
    const made = connectLedger({ url, token, socketOptions, maxOfflineMs: 24 * 3600_000 });
    setOwn(made);
    return () => {
      setOwn(null);
      void made.close().catch(() => undefined);
    };
    // socketOptions are read once per connection: a new object on each render must not reconnect.
  }, [client, url, token]);
  const value = client ?? own;
  return value ? <LedgerContext.Provider value={value}>{children}</LedgerContext.Provider> : null;
}

/** The client of the nearest `<LedgerProvider>`. */
export function useLedger(): LedgerApi {
  const client = useContext(LedgerContext);
  if (!client) throw new Error('useLedger: no <LedgerProvider> above this component');
  return client;
}
