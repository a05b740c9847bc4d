import {
  LedgerProvider,
  ReplayPlayer,
  RunView,
  sharedRunLedger,
  useLedgerStyles,
  type SharedRunData,
} from '@run-ledger/react';
import { useEffect, useMemo, useState } from 'react';

type Loaded =
  | { state: 'loading' }
  | { state: 'gone' }
  | { state: 'failed'; message: string }
  | { state: 'ok'; data: SharedRunData };

/**
 * A shared run, read-only and with no sign-in: the conversation, each task's details and the replay player, all
 * from one `GET /api/share/<token>` (no socket). An unknown, revoked or expired link says so and shows nothing.
 */
export default function SharePage({ token }: { token: string }) {
  useLedgerStyles();
  const [loaded, setLoaded] = useState<Loaded>({ state: 'loading' });
  useEffect(() => {
    document.title = 'Shared run · Run ledger';
    // Relative to this page (…/share/<token>), so the ledger may live under a path of its own.
    fetch(new URL(`../api/share/${token}`, window.location.href), { credentials: 'omit', cache: 'no-store' })
      .then(async (res) => {
        if (res.status === 404) return setLoaded({ state: 'gone' });
        if (!res.ok) return setLoaded({ state: 'failed', message: `the ledger answered ${res.status}` });
        setLoaded({ state: 'ok', data: (await res.json()) as SharedRunData });
      })
      .catch((e: Error) => setLoaded({ state: 'failed', message: e.message }));
  }, [token]);
  const client = useMemo(() => (loaded.state === 'ok' ? sharedRunLedger(loaded.data) : null), [loaded]);

  return (
    <div className="rl-root app">
      <header className="app-header">
        <h1>Run ledger · shared run</h1>
      </header>
      <main id="main" tabIndex={-1}>
        {loaded.state === 'loading' && <p role="status">Loading the shared run…</p>}
        {loaded.state === 'gone' && (
          <p role="alert">Not found: this link does not exist, was revoked, or has expired.</p>
        )}
        {loaded.state === 'failed' && (
          <p className="rl-error" role="alert">
            Could not load the shared run: {loaded.message}
          </p>
        )}
        {loaded.state === 'ok' && client && (
          <LedgerProvider client={client}>
            <p className="rl-muted">A read-only copy shared by its owner.</p>
            <RunView
              runId={loaded.data.run.id}
              readOnly
              replay={(run) => <ReplayPlayer runId={run.id} latestVersion={run.version} />}
            />
          </LedgerProvider>
        )}
      </main>
    </div>
  );
}
