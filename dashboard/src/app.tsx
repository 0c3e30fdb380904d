import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { type Api, ApiError, describeError } from './api.ts';
import { EventsPage } from './pages/events.tsx';
import { FindingsPage } from './pages/findings.tsx';
import { InventoryPage } from './pages/inventory.tsx';
import { KeysPage } from './pages/keys.tsx';
import { OverviewPage } from './pages/overview.tsx';
import { SignInPage } from './pages/signin.tsx';

/** The pages, in navigation order; the hash (#/overview) picks one. */
export const PAGES = [
  { id: 'overview', title: 'Overview', view: OverviewPage },
  { id: 'inventory', title: 'Inventory', view: InventoryPage },
  { id: 'events', title: 'Events', view: EventsPage },
  { id: 'keys', title: 'Consumers & keys', view: KeysPage },
  { id: 'findings', title: 'Findings', view: FindingsPage },
] as const;
export type PageId = (typeof PAGES)[number]['id'];

const pageFromHash = (): PageId => {
  const id = location.hash.replace(/^#\/?/, '');
  return PAGES.some((p) => p.id === id) ? (id as PageId) : 'overview';
};

type SessionState = 'loading' | 'signed-out' | 'signed-in';

/** The dashboard: sign-in, then the navigation and the page of the location hash. */
export function App({ api, signedOut }: { api: Api; signedOut: { subscribe(f: () => void): void } }) {
  const [session, setSession] = useState<SessionState>('loading');
  const [error, setError] = useState<string | null>(null);
  const [page, setPage] = useState<PageId>(pageFromHash);
  useEffect(() => {
    signedOut.subscribe(() => setSession('signed-out'));
    api.call('getSession').then(
      () => setSession('signed-in'),
      (e: unknown) => {
        if (!(e instanceof ApiError && e.status === 401)) setError(describeError(e));
        setSession('signed-out');
      },
    );
    const onHash = () => setPage(pageFromHash());
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, [api, signedOut]);
  // focus the new page's title when the page changes (not on first load: the skip link comes first)
  const shown = useRef<PageId | null>(null);
  useEffect(() => {
    const current = PAGES.find((p) => p.id === page);
    document.title = `${current?.title ?? 'Overview'} · Rampart`;
    if (session !== 'signed-in') return;
    if (shown.current !== null && shown.current !== page)
      document.getElementById('page-title')?.focus({ preventScroll: true });
    shown.current = page;
  }, [page, session]);
  const View = useMemo(() => PAGES.find((p) => p.id === page)?.view ?? OverviewPage, [page]);

  if (session === 'loading') return <p class="muted boot">Loading…</p>;
  if (session === 'signed-out')
    return (
      <>
        {error !== null && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <SignInPage api={api} onSignedIn={() => setSession('signed-in')} />
      </>
    );
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top-bar">
        <span class="brand">Rampart</span>
        <nav aria-label="Dashboard">
          <ul>
            {PAGES.map((p) => (
              <li key={p.id}>
                <a href={`#/${p.id}`} aria-current={p.id === page ? 'page' : undefined}>
                  {p.title}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <button
          type="button"
          class="secondary sign-out"
          onClick={() => {
            api.call('signOut').finally(() => setSession('signed-out'));
          }}
        >
          Sign out
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        <View api={api} />
      </main>
    </>
  );
}
