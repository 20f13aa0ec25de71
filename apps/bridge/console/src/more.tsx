import { useState } from 'preact/hooks';
import { api, ApiError, can, query, type Session, when } from './api.js';
import type { Run } from './runs.js';
import { ActionMessage, Json, Loading, Notice, Page, Pager, useAction, useLoad } from './ui.js';

interface Reconciliation {
  id: number;
  outcome: string;
  inSync: boolean;
  trigger: string;
  snapshot: { id: number | null; publishedId: number | null; pulledAt: string | null; behind: boolean } | null;
  finishedAt: string | null;
  reasons: string[];
  counts: Record<string, Record<string, unknown>>;
  samples: Record<string, unknown[]>;
  error: { code: string; message: string } | null;
}

/** The read-back of OMFLOW (issue 16): the last comparison of what OMFLOW holds with what it pulled. */
export function ReadbackPage({ session }: { session: Session }) {
  const { data, error, reload } = useLoad(async () => {
    try {
      return await api<Reconciliation>('GET', '/api/v1/omflow/reconciliation');
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) return null;
      throw e;
    }
  }, []);
  const action = useAction();
  return (
    <Page title="Read-back of OMFLOW">
      {can(session, 'sync:admin') && (
        <div class="toolbar">
          <button
            type="button"
            disabled={action.busy}
            onClick={() =>
              void action.run(async () => {
                await api('POST', '/api/v1/omflow/reconciliation/run?wait=true');
                reload();
                return 'Compared.';
              })
            }
          >
            Compare now
          </button>
        </div>
      )}
      <ActionMessage message={action.message} />
      {data === null && !error ? (
        <p>No comparison yet (or the read-back is not configured on this bridge).</p>
      ) : !data ? (
        <Loading error={error} />
      ) : (
        <>
          <p>
            <span class={`badge badge-${data.inSync ? 'published' : 'held'}`}>{data.outcome}</span> at {when(data.finishedAt)} ({data.trigger}); snapshot{' '}
            {data.snapshot?.id ?? '—'} pulled {when(data.snapshot?.pulledAt)}
          </p>
          {data.reasons.length > 0 && (
            <ul>
              {data.reasons.map((r) => (
                <li key={r}>{r}</li>
              ))}
            </ul>
          )}
          {data.error && <Notice kind="error">{data.error.message}</Notice>}
          <h2>Counts</h2>
          <Json value={data.counts} />
          <h2>Samples</h2>
          <Json value={data.samples} />
        </>
      )}
    </Page>
  );
}

interface Delivery {
  id: string;
  type: string;
  webhook: string;
  status: string;
  attempts: number;
  createdAt: string;
  nextAttemptAt: string | null;
  lastStatus: number | null;
  lastError: string | null;
  deliveredAt: string | null;
}

/** Webhook deliveries, failures first to look at. */
export function NotificationsPage() {
  const [offset, setOffset] = useState(0);
  const limit = 50;
  const { data, error } = useLoad(() => api<{ items: Delivery[]; total: number }>('GET', `/api/v1/notifications${query({ offset, limit })}`), [offset]);
  return (
    <Page title="Notifications">
      {!data ? (
        <Loading error={error} />
      ) : (
        <>
          <table>
            <caption class="visually-hidden">Webhook deliveries</caption>
            <thead>
              <tr>
                <th scope="col">Event</th>
                <th scope="col">Webhook</th>
                <th scope="col">Status</th>
                <th scope="col">Attempts</th>
                <th scope="col">Last error</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {data.items.map((d) => (
                <tr key={`${d.id}-${d.webhook}`}>
                  <td>{d.type}</td>
                  <td>{d.webhook}</td>
                  <td>{d.status}</td>
                  <td>{d.attempts}</td>
                  <td>{d.lastError ?? (d.lastStatus ? `HTTP ${d.lastStatus}` : '—')}</td>
                  <td>{when(d.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <Pager offset={offset} limit={limit} total={data.total} onPage={setOffset} />
        </>
      )}
    </Page>
  );
}

interface SyncUser {
  username: string;
  email: string;
  nick_name: string;
  ad_no?: string;
  [field: string]: unknown;
}

interface SnapshotRow {
  id: number;
  createdAt: string;
  published: boolean;
}

interface DiffAnswer {
  diff: {
    users: {
      added: SyncUser[];
      removed: SyncUser[];
      changed: { key: string; after: SyncUser; before: SyncUser; fields: { field: string; before: unknown; after: unknown }[] }[];
    };
  };
}

/** Search the published snapshot (what /sync serves) and open one person's history. */
export function PeoplePage({ params }: { params: URLSearchParams }) {
  const [q, setQ] = useState(params.get('q') ?? '');
  const [applied, setApplied] = useState(q);
  const person = params.get('u');
  const content = useLoad(async () => {
    const status = await api<{ publishedSnapshotId: number | null }>('GET', '/api/v1/sync/status');
    if (status.publishedSnapshotId === null) return { id: null, users: [] as SyncUser[] };
    const body = await api<{ user_info_list: SyncUser[] }>('GET', `/api/v1/snapshots/${status.publishedSnapshotId}/content`);
    return { id: status.publishedSnapshotId, users: body.user_info_list };
  }, []);
  const needle = applied.trim().toLowerCase();
  const found = needle
    ? (content.data?.users ?? [])
        .filter((u) =>
          [u.username, u.email, u.nick_name].some((v) =>
            String(v ?? '')
              .toLowerCase()
              .includes(needle),
          ),
        )
        .slice(0, 100)
    : [];
  return (
    <Page title="People">
      <form
        class="toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          setApplied(q);
        }}
      >
        <label>
          Username, email or name <input type="search" value={q} onInput={(e) => setQ(e.currentTarget.value)} />
        </label>
        <button type="submit">Search</button>
      </form>
      {!content.data ? (
        <Loading error={content.error} />
      ) : (
        <>
          <p class="muted">Searching snapshot {content.data.id ?? '—'} (what /sync serves).</p>
          {needle && (
            <table>
              <caption class="visually-hidden">People found</caption>
              <thead>
                <tr>
                  <th scope="col">Username</th>
                  <th scope="col">Name</th>
                  <th scope="col">Email</th>
                </tr>
              </thead>
              <tbody>
                {found.map((u) => (
                  <tr key={u.username}>
                    <td>
                      <a href={`#/people?q=${encodeURIComponent(applied)}&u=${encodeURIComponent(u.username)}`}>{u.username}</a>
                    </td>
                    <td>{u.nick_name}</td>
                    <td>{u.email}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
      {person && <PersonHistory username={person} record={content.data?.users.find((u) => u.username === person) ?? null} />}
    </Page>
  );
}

/** One person across the kept snapshots (each snapshot's diff with the one before), the last run's findings and the audit trail. */
function PersonHistory({ username, record }: { username: string; record: SyncUser | null }) {
  const history = useLoad(async () => {
    const snapshots = (await api<{ items: SnapshotRow[] }>('GET', '/api/v1/snapshots?limit=10')).items;
    const lines: { snapshot: number; at: string; what: string }[] = [];
    for (let i = 0; i + 1 < snapshots.length; i += 1) {
      const [to, from] = [snapshots[i], snapshots[i + 1]];
      const d = (
        await api<DiffAnswer>(
          'GET',
          `/api/v1/snapshots/${to.id}/diff${query({ against: from.id, q: username, kind: 'users.added,users.removed,users.changed' })}`,
        )
      ).diff.users;
      if (d.added.some((u) => u.username === username)) lines.push({ snapshot: to.id, at: to.createdAt, what: 'added' });
      if (d.removed.some((u) => u.username === username)) lines.push({ snapshot: to.id, at: to.createdAt, what: 'removed' });
      for (const c of d.changed.filter((c) => c.after.username === username || c.before.username === username))
        lines.push({
          snapshot: to.id,
          at: to.createdAt,
          what: c.fields.map((f) => `${f.field}: ${JSON.stringify(f.before)} → ${JSON.stringify(f.after)}`).join('; '),
        });
    }
    const lastRun = (await api<{ items: Run[] }>('GET', '/api/v1/sync/runs?limit=1')).items[0];
    const findings = lastRun
      ? ((await api<Run>('GET', `/api/v1/sync/runs/${lastRun.id}`)).findings ?? []).filter((f) => f.record.key === username || f.record.label === username)
      : [];
    const events = await api<{ items: { seq: number; time: string; action: string; outcome: string }[] }>(
      'GET',
      `/api/v1/audit/events${query({ q: username, limit: 20 })}`,
    ).catch(() => ({ items: [] }));
    return { lines, findings, events: events.items };
  }, [username]);
  return (
    <section aria-labelledby="person-title" class="panel">
      <h2 id="person-title">{username}</h2>
      {record ? <Json value={record} /> : <p>Not in the published snapshot.</p>}
      {!history.data ? (
        <Loading error={history.error} />
      ) : (
        <>
          <h3>Across snapshots</h3>
          {history.data.lines.length ? (
            <ul>
              {history.data.lines.map((l, i) => (
                <li key={i}>
                  <a href={`#/snapshots/${l.snapshot}`}>Snapshot {l.snapshot}</a> ({when(l.at)}): {l.what}
                </li>
              ))}
            </ul>
          ) : (
            <p>No change in the last kept snapshots.</p>
          )}
          <h3>Findings of the last run</h3>
          {history.data.findings.length ? (
            <ul>
              {history.data.findings.map((f, i) => (
                <li key={i}>
                  {f.kind}: {f.reason} ({f.action})
                </li>
              ))}
            </ul>
          ) : (
            <p>None.</p>
          )}
          <h3>Audit events</h3>
          {history.data.events.length ? (
            <ul>
              {history.data.events.map((e) => (
                <li key={e.seq}>
                  <a href={`#/audit?q=${encodeURIComponent(username)}`}>#{e.seq}</a> {when(e.time)} {e.action} ({e.outcome})
                </li>
              ))}
            </ul>
          ) : (
            <p>None (or no audit:read scope).</p>
          )}
        </>
      )}
    </section>
  );
}
