import { useState } from 'preact/hooks';
import { PasswordPanel, LockoutsPanel } from './access-logins.js';
import { api, apiText, can, query, when, type Session } from './api.js';
import type { Run } from './runs.js';
import { ActionMessage, Json, Loading, Page, Pager, show, useAction, useLoad } from './ui.js';

interface Removal {
  key: string;
  username: string;
  status: string;
  missingSince: string;
  dueAt: string;
  runId: number | null;
}

export function RemovalsPage() {
  const [offset, setOffset] = useState(0);
  const limit = 50;
  const { data, error, reload } = useLoad(
    () => api<{ items: Removal[]; total: number }>('GET', `/api/v1/sync/pending-removals${query({ offset, limit })}`),
    [offset],
  );
  const [note, setNote] = useState('');
  const action = useAction();
  const act = (r: Removal, verb: 'expedite' | 'cancel') =>
    action.run(async () => {
      await api('POST', `/api/v1/sync/pending-removals/${encodeURIComponent(r.key)}/${verb}`, { note });
      reload();
      return verb === 'expedite' ? `${r.username} removed from /sync now.` : `${r.username}'s removal cancelled.`;
    });
  return (
    <Page title="Pending removals">
      <p>People the directory no longer lists wait out the grace window before they leave /sync (they can no longer log in meanwhile).</p>
      <label class="block">
        Note for expedite or cancel (required)
        <input type="text" value={note} onInput={(e) => setNote(e.currentTarget.value)} />
      </label>
      <ActionMessage message={action.message} />
      {!data ? (
        <Loading error={error} />
      ) : (
        <>
          <table>
            <caption class="visually-hidden">Pending removals, soonest due first</caption>
            <thead>
              <tr>
                <th scope="col">Person</th>
                <th scope="col">Status</th>
                <th scope="col">Missing since</th>
                <th scope="col">Due</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {data.items.map((r) => (
                <tr key={r.key}>
                  <td>{r.username}</td>
                  <td>{r.status}</td>
                  <td>{when(r.missingSince)}</td>
                  <td>{when(r.dueAt)}</td>
                  <td>
                    {r.status !== 'cancelled' && (
                      <>
                        <button type="button" disabled={action.busy || !note} onClick={() => void act(r, 'expedite')}>
                          Expedite {r.username}
                        </button>{' '}
                        <button type="button" disabled={action.busy || !note} onClick={() => void act(r, 'cancel')}>
                          Cancel {r.username}
                        </button>
                      </>
                    )}
                  </td>
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

interface Snapshot {
  id: number;
  runId: number | null;
  parentId: number | null;
  createdAt: string;
  userCount: number;
  groupCount: number;
  publishedAt: string | null;
  published: boolean;
  note: string | null;
}

type Counts = { users: Record<string, number>; groups: Record<string, number>; renames: number; moves: number };
interface DiffAnswer {
  from: number | null;
  to: number;
  summary: Counts;
  matched?: Counts;
  diff: {
    users: {
      added: { username: string }[];
      removed: { username: string }[];
      changed: { key: string; after: { username: string }; fields: { field: string; before: unknown; after: unknown }[] }[];
    };
    groups: {
      added: { group_no: string }[];
      removed: { group_no: string }[];
      changed: { key: string; fields: { field: string; before: unknown; after: unknown }[] }[];
    };
  };
}

export function SnapshotsPage() {
  const [offset, setOffset] = useState(0);
  const limit = 20;
  const { data, error } = useLoad(() => api<{ items: Snapshot[]; total: number }>('GET', `/api/v1/snapshots${query({ offset, limit })}`), [offset]);
  return (
    <Page title="Snapshots">
      {!data ? (
        <Loading error={error} />
      ) : (
        <>
          <table>
            <caption class="visually-hidden">Snapshots, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Snapshot</th>
                <th scope="col">Created</th>
                <th scope="col">People</th>
                <th scope="col">Departments</th>
                <th scope="col">Run</th>
                <th scope="col">Published</th>
              </tr>
            </thead>
            <tbody>
              {data.items.map((s) => (
                <tr key={s.id}>
                  <td>
                    <a href={`#/snapshots/${s.id}`}>Snapshot {s.id}</a>
                    {s.published && <span class="badge badge-published"> served by /sync</span>}
                  </td>
                  <td>{when(s.createdAt)}</td>
                  <td>{s.userCount}</td>
                  <td>{s.groupCount}</td>
                  <td>{s.runId ? <a href={`#/runs/${s.runId}`}>Run {s.runId}</a> : '—'}</td>
                  <td>{when(s.publishedAt)}</td>
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

/** One snapshot: its diff against another (the published one by default) and its re-publication (rollback). */
export function SnapshotPage({ id, params }: { id: number; params: URLSearchParams }) {
  const snapshot = useLoad(() => api<Snapshot>('GET', `/api/v1/snapshots/${id}`), [id]);
  const status = useLoad(() => api<{ publishedSnapshotId: number | null }>('GET', '/api/v1/sync/status'), [id]);
  const [against, setAgainst] = useState(params.get('against') ?? '');
  const [q, setQ] = useState('');
  const [kind, setKind] = useState('');
  const [offset, setOffset] = useState(0);
  const limit = 50;
  const published = status.data?.publishedSnapshotId ?? null;
  const base = against ? Number(against) : published;
  // One page of the diff, filtered and searched by the bridge (paged diffs).
  const diff = useLoad(
    () =>
      base === null || base === id
        ? Promise.resolve(null)
        : api<DiffAnswer>(
            'GET',
            `/api/v1/snapshots/${id}/diff${query({ against: base, kind: kind || undefined, q: q || undefined, offset: kind ? offset : undefined, limit: kind ? limit : undefined })}`,
          ),
    [id, base, kind, q, offset],
  );
  // What OMFLOW would add and delete if this snapshot were served: its diff from the published one (the counts only).
  const effect = useLoad(
    () =>
      published === null || published === id
        ? Promise.resolve(null)
        : api<DiffAnswer>('GET', `/api/v1/snapshots/${id}/diff${query({ against: published, kind: 'renames', limit: 1 })}`),
    [id, published],
  );
  const [confirming, setConfirming] = useState(false);
  const action = useAction();
  const d = diff.data;
  const e = effect.data?.summary;
  const shown = (k: string) => !kind || kind === k;
  return (
    <Page title={`Snapshot ${id}`}>
      <p>
        <a href="#/snapshots">All snapshots</a>
      </p>
      {!snapshot.data ? (
        <Loading error={snapshot.error} />
      ) : (
        <dl class="facts">
          <dt>Created</dt>
          <dd>{when(snapshot.data.createdAt)}</dd>
          <dt>People / departments</dt>
          <dd>
            {snapshot.data.userCount} / {snapshot.data.groupCount}
          </dd>
          <dt>Served by /sync</dt>
          <dd>{published === id ? 'yes' : 'no'}</dd>
        </dl>
      )}
      <section aria-labelledby="diff-title" class="panel">
        <h2 id="diff-title">Diff</h2>
        <div class="toolbar">
          <label>
            Compare with snapshot{' '}
            <input
              type="number"
              min={1}
              value={against}
              placeholder={published === null ? '' : String(published)}
              onInput={(e) => setAgainst(e.currentTarget.value)}
            />
          </label>
          <label>
            Kind{' '}
            <select value={kind} onChange={(e) => (setKind(e.currentTarget.value), setOffset(0))}>
              <option value="">all (first 100 of each)</option>
              <option value="users.added">people added</option>
              <option value="users.removed">people removed</option>
              <option value="users.changed">people changed</option>
            </select>
          </label>
          <label>
            Search a person <input type="search" value={q} onInput={(e) => (setQ(e.currentTarget.value), setOffset(0))} />
          </label>
        </div>
        {base === id ? (
          <p>This is the snapshot compared with.</p>
        ) : !d ? (
          <Loading error={diff.error} />
        ) : (
          <>
            <p data-testid="diff-summary">
              From snapshot {d.from} to {d.to}: people +{d.summary.users.added} −{d.summary.users.removed} ~{d.summary.users.changed}; departments +
              {d.summary.groups.added} −{d.summary.groups.removed} ~{d.summary.groups.changed}
            </p>
            <table>
              <caption class="visually-hidden">Changes of people</caption>
              <thead>
                <tr>
                  <th scope="col">Kind</th>
                  <th scope="col">Person</th>
                  <th scope="col">Fields</th>
                </tr>
              </thead>
              <tbody>
                {shown('users.added') &&
                  d.diff.users.added.map((u) => (
                    <tr key={`a-${u.username}`}>
                      <td>added</td>
                      <td>{u.username}</td>
                      <td />
                    </tr>
                  ))}
                {shown('users.removed') &&
                  d.diff.users.removed.map((u) => (
                    <tr key={`r-${u.username}`}>
                      <td>removed</td>
                      <td>{u.username}</td>
                      <td />
                    </tr>
                  ))}
                {shown('users.changed') &&
                  d.diff.users.changed.map((c) => (
                    <tr key={`c-${c.key}`}>
                      <td>changed</td>
                      <td>{c.after.username}</td>
                      <td>{c.fields.map((f) => `${f.field}: ${show(f.before)} → ${show(f.after)}`).join('; ')}</td>
                    </tr>
                  ))}
              </tbody>
            </table>
            {kind && d.matched && <Pager offset={offset} limit={limit} total={d.matched.users[kind.slice('users.'.length)] ?? 0} onPage={setOffset} />}
          </>
        )}
      </section>
      {published !== id && snapshot.data && (
        <section aria-labelledby="publish-title" class="panel">
          <h2 id="publish-title">Re-publish (rollback)</h2>
          {!confirming ? (
            <button type="button" onClick={() => setConfirming(true)}>
              Re-publish snapshot {id}…
            </button>
          ) : (
            <div role="alertdialog" aria-labelledby="confirm-text" class="confirm">
              <p id="confirm-text">
                {e
                  ? `OMFLOW will then add ${e.users.added} people and delete ${e.users.removed} people (departments: add ${e.groups.added}, delete ${e.groups.removed}), and change ${e.users.changed} people. Publish snapshot ${id}?`
                  : `OMFLOW will be served snapshot ${id} instead of ${published ?? 'nothing'}. Publish it?`}
              </p>
              <button
                type="button"
                disabled={action.busy}
                onClick={() =>
                  void action.run(async () => {
                    await api('POST', `/api/v1/snapshots/${id}/publish`);
                    setConfirming(false);
                    status.reload();
                    return `Snapshot ${id} is what /sync serves now.`;
                  })
                }
              >
                Yes, publish snapshot {id}
              </button>{' '}
              <button type="button" onClick={() => setConfirming(false)}>
                Cancel
              </button>
            </div>
          )}
        </section>
      )}
      <ActionMessage message={action.message} />
    </Page>
  );
}

export function QualityPage({ params }: { params: URLSearchParams }) {
  const runId = params.get('run');
  const { data, error } = useLoad(async () => {
    const id = runId ?? (await api<{ items: Run[] }>('GET', '/api/v1/sync/runs?limit=1')).items[0]?.id;
    return id === undefined ? null : api<Run>('GET', `/api/v1/sync/runs/${id}`);
  }, [runId]);
  const findings = data?.findings ?? [];
  const kinds = [...new Set(findings.map((f) => f.kind))];
  return (
    <Page title="Data quality">
      {data === null && !error ? (
        <p>No run yet.</p>
      ) : !data ? (
        <Loading error={error} />
      ) : (
        <>
          <p>
            Findings of <a href={`#/runs/${data.id}`}>run {data.id}</a>: {findings.length}
          </p>
          {kinds.map((kind) => (
            <details key={kind} open>
              <summary>
                {kind} ({findings.filter((f) => f.kind === kind).length})
              </summary>
              <table>
                <caption class="visually-hidden">{kind}</caption>
                <thead>
                  <tr>
                    <th scope="col">Record</th>
                    <th scope="col">Field</th>
                    <th scope="col">Reason</th>
                    <th scope="col">Policy applied</th>
                  </tr>
                </thead>
                <tbody>
                  {findings
                    .filter((f) => f.kind === kind)
                    .map((f, i) => (
                      <tr key={i}>
                        <td>
                          {f.record.type} {f.record.label ?? f.record.key}
                        </td>
                        <td>{f.field ?? '—'}</td>
                        <td>{f.reason}</td>
                        <td>{f.action}</td>
                      </tr>
                    ))}
                </tbody>
              </table>
            </details>
          ))}
        </>
      )}
    </Page>
  );
}

interface AuditEvent {
  seq: number;
  time: string;
  actor: { kind: string; id: string | null };
  action: string;
  target: { type: string; id: string | null } | null;
  outcome: string;
  details: Record<string, unknown>;
}

export function AuditPage({ params }: { params: URLSearchParams }) {
  const [filters, setFilters] = useState({
    action: params.get('action') ?? '',
    actorId: '',
    targetId: params.get('targetId') ?? '',
    outcome: '',
    q: params.get('q') ?? '',
  });
  const [applied, setApplied] = useState(filters);
  const [cursor, setCursor] = useState<number | null>(null);
  const { data, error } = useLoad(
    () => api<{ items: AuditEvent[]; nextCursor: number | null }>('GET', `/api/v1/audit/events${query({ ...applied, cursor, limit: 25 })}`),
    [applied, cursor],
  );
  const [open, setOpen] = useState<number | null>(null);
  const verify = useAction();
  const exporting = useAction();
  const field = (name: keyof typeof filters, label: string) => (
    <label>
      {label} <input type="text" value={filters[name]} onInput={(e) => setFilters({ ...filters, [name]: e.currentTarget.value })} />
    </label>
  );
  return (
    <Page title="Audit">
      <form
        class="toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          setCursor(null);
          setApplied(filters);
        }}
      >
        {field('action', 'Action')}
        {field('actorId', 'Actor')}
        {field('targetId', 'Target')}
        {field('q', 'Text')}
        <label>
          Outcome{' '}
          <select value={filters.outcome} onChange={(e) => setFilters({ ...filters, outcome: e.currentTarget.value })}>
            {['', 'success', 'failure', 'denied'].map((o) => (
              <option key={o} value={o}>
                {o || 'any'}
              </option>
            ))}
          </select>
        </label>
        <button type="submit">Filter</button>
      </form>
      <div class="toolbar">
        <button
          type="button"
          disabled={verify.busy}
          onClick={() =>
            void verify.run(async () => {
              const report = await api<{ ok?: boolean; valid?: boolean; checked?: number; broken?: unknown[] }>('GET', '/api/v1/audit/verify');
              const ok = report.ok ?? report.valid ?? !(report.broken && report.broken.length);
              if (!ok) throw new Error(`The audit trail does NOT verify: ${JSON.stringify(report.broken ?? report)}`);
              return `The audit trail verifies: ${report.checked ?? ''} events checked, chain intact.`;
            })
          }
        >
          Verify the trail
        </button>
        <button
          type="button"
          disabled={exporting.busy}
          onClick={() =>
            void exporting.run(async () => {
              const text = await apiText(`/api/v1/audit/export${query({ ...applied, format: 'ndjson' })}`);
              const link = document.createElement('a');
              link.href = URL.createObjectURL(new Blob([text], { type: 'application/x-ndjson' }));
              link.download = 'audit-export.ndjson';
              link.click();
              return `Exported ${text.split('\n').filter(Boolean).length} events.`;
            })
          }
        >
          Export (NDJSON)
        </button>
      </div>
      <ActionMessage message={verify.message} />
      <ActionMessage message={exporting.message} />
      {!data ? (
        <Loading error={error} />
      ) : (
        <>
          <table>
            <caption class="visually-hidden">Audit events, newest first</caption>
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">Time</th>
                <th scope="col">Actor</th>
                <th scope="col">Action</th>
                <th scope="col">Target</th>
                <th scope="col">Outcome</th>
              </tr>
            </thead>
            <tbody>
              {data.items.map((e) => (
                <>
                  <tr key={e.seq}>
                    <td>
                      <button type="button" class="link" aria-expanded={open === e.seq} onClick={() => setOpen(open === e.seq ? null : e.seq)}>
                        {e.seq}
                      </button>
                    </td>
                    <td>{when(e.time)}</td>
                    <td>
                      {e.actor.kind} {e.actor.id ?? ''}
                    </td>
                    <td>{e.action}</td>
                    <td>{e.target ? `${e.target.type} ${e.target.id ?? ''}` : '—'}</td>
                    <td>{e.outcome}</td>
                  </tr>
                  {open === e.seq && (
                    <tr key={`${e.seq}-detail`}>
                      <td colSpan={6}>
                        <Json value={e} />
                      </td>
                    </tr>
                  )}
                </>
              ))}
            </tbody>
          </table>
          {data.nextCursor !== null && (
            <button type="button" onClick={() => setCursor(data.nextCursor)}>
              Older events
            </button>
          )}
        </>
      )}
    </Page>
  );
}

interface Client {
  id: string;
  name: string;
  scopes: string[];
  managedBy: string;
  createdAt: string;
  rotatedAt: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

const SCOPES = ['omflow', 'users:query', 'directory:read', 'directory:write', 'sync:admin', 'audit:read', 'admin'];

/** Clients, and (with the admin scope the /api/v1/auth routes require) passwords and lockouts. */
export function AccessPage({ session }: { session: Session }) {
  const clients = useLoad(() => api<{ items: Client[]; total: number }>('GET', '/api/v1/clients?includeRevoked=true&limit=200'), []);
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<string[]>([]);
  const [secret, setSecret] = useState<{ id: string; secret: string } | null>(null);
  const action = useAction();
  const issued = (c: Client & { secret: string }, verb: string) => {
    setSecret({ id: c.id, secret: c.secret });
    clients.reload();
    return `${verb} ${c.id}: copy its secret now, it is shown this once.`;
  };
  return (
    <Page title="Access">
      <section aria-labelledby="create-title" class="panel">
        <h2 id="create-title">Create a client</h2>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void action.run(async () => issued(await api<Client & { secret: string }>('POST', '/api/v1/clients', { name, scopes }), 'Created'));
          }}
        >
          <label class="block">
            Name <input type="text" required value={name} onInput={(e) => setName(e.currentTarget.value)} />
          </label>
          <fieldset>
            <legend>Scopes</legend>
            {SCOPES.map((s) => (
              <label key={s} class="inline">
                <input
                  type="checkbox"
                  checked={scopes.includes(s)}
                  onChange={(e) => setScopes(e.currentTarget.checked ? [...scopes, s] : scopes.filter((x) => x !== s))}
                />{' '}
                {s}
              </label>
            ))}
          </fieldset>
          <button type="submit" disabled={action.busy}>
            Create
          </button>
        </form>
      </section>
      <ActionMessage message={action.message} />
      {secret && (
        <div class="panel attention" role="region" aria-label="New secret">
          <p>
            Secret of <strong>{secret.id}</strong> (shown once):
          </p>
          <code data-testid="secret">{secret.secret}</code>{' '}
          <button type="button" onClick={() => setSecret(null)}>
            I have copied it
          </button>
        </div>
      )}
      <h2>Clients</h2>
      {!clients.data ? (
        <Loading error={clients.error} />
      ) : (
        <table>
          <caption class="visually-hidden">API clients</caption>
          <thead>
            <tr>
              <th scope="col">Id</th>
              <th scope="col">Name</th>
              <th scope="col">Scopes</th>
              <th scope="col">Last used</th>
              <th scope="col">State</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {clients.data.items.map((c) => (
              <tr key={c.id}>
                <td>{c.id}</td>
                <td>{c.name}</td>
                <td>{c.scopes.join(', ')}</td>
                <td>{when(c.lastUsedAt)}</td>
                <td>{c.revokedAt ? `revoked ${when(c.revokedAt)}` : c.managedBy === 'api' ? 'active' : `active (${c.managedBy})`}</td>
                <td>
                  {!c.revokedAt && c.managedBy === 'api' && (
                    <>
                      <button
                        type="button"
                        disabled={action.busy}
                        onClick={() =>
                          void action.run(async () => issued(await api<Client & { secret: string }>('POST', `/api/v1/clients/${c.id}/rotate`), 'Rotated'))
                        }
                      >
                        Rotate {c.id}
                      </button>{' '}
                      <button
                        type="button"
                        disabled={action.busy}
                        onClick={() =>
                          void action.run(async () => {
                            await api('POST', `/api/v1/clients/${c.id}/revoke`);
                            clients.reload();
                            return `Revoked ${c.id}.`;
                          })
                        }
                      >
                        Revoke {c.id}
                      </button>
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {can(session, 'admin') && (
        <>
          <PasswordPanel />
          <LockoutsPanel />
        </>
      )}
    </Page>
  );
}
