import { LedgerProvider, useLedgerStyles } from '@run-ledger/react';
import { lazy, Suspense, useEffect, useState, type ReactNode } from 'react';
import { BudgetAlertBanner } from './budget-alert-banner';
import { RunsPage } from './pages/runs-page';
import { SignInPage } from './pages/sign-in-page';
import { href, navigate, useRoute, type Route } from './router';
import { ledgerUrl, loadSession, signOut, type Session } from './session';

// Pages beyond the runs list load on first visit: the initial bundle stays small.
const RunPage = lazy(() => import('./pages/run-page'));
const UsagePage = lazy(() => import('./pages/usage-page'));
const AdminPage = lazy(() => import('./pages/admin-page'));

const TITLES: Record<Route['page'], string> = {
  runs: 'Runs',
  run: 'Run',
  usage: 'Usage',
  admin: 'Admin',
  'sign-in': 'Sign in',
};

function Header({ session, route, onSignOut }: { session: Session | null; route: Route; onSignOut(): void }) {
  const link = (to: string, label: string, page: Route['page']) => (
    <li>
      <a href={to} aria-current={route.page === page ? 'page' : undefined}>
        {label}
      </a>
    </li>
  );
  return (
    <header className="app-header">
      <h1>Run ledger</h1>
      {session && (
        <nav aria-label="Main">
          <ul>
            {link(href.runs, 'Runs', 'runs')}
            {link(href.usage, 'Usage', 'usage')}
            {session.roles.includes('admin') && link(href.admin, 'Admin', 'admin')}
          </ul>
        </nav>
      )}
      {session && (
        <span className="who rl-muted">
          user {session.userId}{' '}
          <button className="rl-btn" type="button" onClick={onSignOut}>
            Sign out
          </button>
        </span>
      )}
    </header>
  );
}

function Page({ route, session }: { route: Route; session: Session }): ReactNode {
  switch (route.page) {
    case 'run':
      return <RunPage runId={route.runId} />;
    case 'usage':
      return <UsagePage />;
    case 'admin':
      return session.roles.includes('admin') ? (
        <AdminPage />
      ) : (
        <p role="alert">The admin pages need the admin role.</p>
      );
    default:
      return <RunsPage />;
  }
}

function useExpired(session: Session | null): boolean {
  const [expired, setExpired] = useState(false);
  useEffect(() => {
    setExpired(false);
    if (!session?.exp) return;
    const ms = session.exp * 1000 - Date.now();
    const timer = setTimeout(() => setExpired(true), Math.max(0, Math.min(ms, 2 ** 31 - 1)));
    return () => clearTimeout(timer);
  }, [session]);
  return expired;
}

export function App() {
  useLedgerStyles();
  const [loaded] = useState(() => loadSession());
  const [session, setSession] = useState<Session | null>(loaded.session);
  // Said on the sign-in page until someone signs in.
  const [linkProblem, setLinkProblem] = useState(loaded.linkProblem);
  const route = useRoute();
  const expired = useExpired(session);
  useEffect(() => {
    document.title = `${TITLES[route.page]} · Run ledger`;
  }, [route.page]);

  const out = () => {
    signOut();
    setSession(null);
    navigate(href.signIn);
  };
  const showSignIn = !session || route.page === 'sign-in';

  return (
    <div className="rl-root app">
      <a
        className="skip"
        href="#main"
        onClick={(e) => (e.preventDefault(), document.getElementById('main')?.focus())}
      >
        Skip to content
      </a>
      <Header session={session} route={route} onSignOut={out} />
      <main id="main" tabIndex={-1}>
        {expired && (
          <p role="alert" className="rl-error">
            Your token has expired: <a href={href.signIn}>sign in again</a>.
          </p>
        )}
        {showSignIn ? (
          <SignInPage
            session={session}
            linkProblem={linkProblem}
            onSignedIn={(s) => {
              setLinkProblem(null);
              setSession(s);
              navigate(href.runs);
            }}
          />
        ) : (
          <LedgerProvider
            url={ledgerUrl()}
            token={session.token}
            socketOptions={{ transports: ['websocket', 'polling'] }}
          >
            <BudgetAlertBanner />
            <Suspense fallback={<p role="status">Loading…</p>}>
              <Page route={route} session={session} />
            </Suspense>
          </LedgerProvider>
        )}
      </main>
    </div>
  );
}
