import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, can, type Session, setSession, whenSignedOut } from './api.js';
import { NotificationsPage, PeoplePage, ReadbackPage } from './more.js';
import { OverviewPage } from './overview.js';
import { AccessPage, AuditPage, QualityPage, RemovalsPage, SnapshotPage, SnapshotsPage } from './pages.js';
import { RunPage, RunsPage } from './runs.js';
import { messageOf, Notice } from './ui.js';

/** The pages, the scope each needs, and how the hash route names them. */
const NAV: { path: string; label: string; scope: string | null }[] = [
  { path: '/', label: 'Overview', scope: null },
  { path: '/runs', label: 'Runs', scope: 'sync:admin' },
  { path: '/removals', label: 'Pending removals', scope: 'sync:admin' },
  { path: '/snapshots', label: 'Snapshots', scope: 'sync:admin' },
  { path: '/people', label: 'People', scope: 'sync:admin' },
  { path: '/quality', label: 'Data quality', scope: 'sync:admin' },
  { path: '/audit', label: 'Audit', scope: 'audit:read' },
  { path: '/access', label: 'Access', scope: 'admin' },
  { path: '/readback', label: 'Read-back', scope: 'sync:admin' },
  { path: '/notifications', label: 'Notifications', scope: 'admin' },
];

function useHash(): string {
  const [hash, setHash] = useState(location.hash || '#/');
  useEffect(() => {
    const on = () => setHash(location.hash || '#/');
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return hash;
}

function SignIn({ onSignedIn, ended }: { onSignedIn: (s: Session) => void; ended: boolean }) {
  const [clientId, setClientId] = useState('');
  const [secret, setSecret] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <main id="main" class="signin">
      <h1>OMFLOW HR Bridge console</h1>
      {ended && <Notice kind="info">Your session ended. Sign in again.</Notice>}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          setBusy(true);
          api<Session>('POST', '/api/v1/console/session', { clientId, secret }).then(
            (s) => onSignedIn(s),
            (err: unknown) => {
              setError(err instanceof ApiError && err.status === 401 ? 'The client id or secret is wrong.' : messageOf(err));
              setBusy(false);
            },
          );
        }}
      >
        <label class="block">
          Client id
          <input name="clientId" type="text" autocomplete="username" required value={clientId} onInput={(e) => setClientId(e.currentTarget.value)} />
        </label>
        <label class="block">
          Client secret
          <input name="secret" type="password" autocomplete="current-password" required value={secret} onInput={(e) => setSecret(e.currentTarget.value)} />
        </label>
        <button type="submit" disabled={busy}>
          Sign in
        </button>
        {error && <Notice kind="error">{error}</Notice>}
      </form>
    </main>
  );
}

function Route({ session, hash }: { session: Session; hash: string }) {
  const [path, search = ''] = hash.slice(1).split('?');
  const params = new URLSearchParams(search);
  const parts = path.split('/').filter(Boolean);
  const section = `/${parts[0] ?? ''}`;
  const entry = NAV.find((n) => n.path === section);
  if (!entry) return <Notice kind="error">No such page.</Notice>;
  if (entry.scope && !can(session, entry.scope)) return <Notice kind="error">This page needs the {entry.scope} scope.</Notice>;
  const id = parts[1] ? Number(parts[1]) : null;
  switch (section) {
    case '/runs':
      return id ? <RunPage session={session} id={id} /> : <RunsPage session={session} params={params} />;
    case '/removals':
      return <RemovalsPage />;
    case '/snapshots':
      return id ? <SnapshotPage id={id} params={params} /> : <SnapshotsPage />;
    case '/people':
      return <PeoplePage params={params} />;
    case '/readback':
      return <ReadbackPage session={session} />;
    case '/notifications':
      return <NotificationsPage />;
    case '/quality':
      return <QualityPage params={params} />;
    case '/audit':
      return <AuditPage params={params} />;
    case '/access':
      return <AccessPage session={session} />;
    default:
      return <OverviewPage session={session} />;
  }
}

function App() {
  const [session, setState] = useState<Session | null | undefined>(undefined);
  const [ended, setEnded] = useState(false);
  const hash = useHash();
  const use = (s: Session | null) => {
    setSession(s);
    setState(s);
  };
  useEffect(() => {
    whenSignedOut(() => {
      setEnded(true);
      use(null);
    });
    api<Session>('GET', '/api/v1/console/session').then(use, () => use(null));
  }, []);
  if (session === undefined) return <p aria-busy="true">Loading…</p>;
  if (session === null) return <SignIn ended={ended} onSignedIn={(s) => (setEnded(false), use(s))} />;
  const section = `/${hash.slice(2).split(/[/?]/)[0]}`;
  return (
    <>
      <a class="skip" href="#main" onClick={(e) => (e.preventDefault(), document.getElementById('main')?.focus())}>
        Skip to the page
      </a>
      <header class="top">
        <span class="brand">OMFLOW HR Bridge</span>
        <nav aria-label="Console">
          <ul>
            {NAV.filter((n) => !n.scope || can(session, n.scope)).map((n) => (
              <li key={n.path}>
                <a href={`#${n.path}`} aria-current={section === n.path ? 'page' : undefined}>
                  {n.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <span class="who">
          {session.name} ({session.scopes.join(', ')}){' '}
          <button
            type="button"
            onClick={() =>
              void api('DELETE', '/api/v1/console/session').finally(() => {
                use(null);
              })
            }
          >
            Sign out
          </button>
        </span>
      </header>
      <main id="main" tabIndex={-1}>
        <Route session={session} hash={hash} />
      </main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
