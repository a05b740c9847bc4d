import { lazy, Suspense } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app';
import './page.css';

// Loaded only on a shared run's page: the dashboard's first bundle stays as small as it was.
const SharePage = lazy(() => import('./share-page'));

// `/share/<token>` is a shared run's read-only page (no sign-in); every other address is the dashboard.
const shared = /\/share\/([A-Za-z0-9_-]+)\/?$/.exec(window.location.pathname);
createRoot(document.getElementById('root')!).render(
  shared ? (
    <Suspense fallback={<p role="status">Loading the shared run…</p>}>
      <SharePage token={shared[1]} />
    </Suspense>
  ) : (
    <App />
  ),
);
