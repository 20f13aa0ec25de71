import { useEffect, useState } from 'preact/hooks';
import { api, can, query, type Session, when } from './api.js';
import { ActionMessage, Json, Loading, Notice, Page, Pager, show, useAction, useLoad } from './ui.js';

interface FieldChange {
  field: string;
  before: unknown;
  after: unknown;
}
interface HoldReason {
  kind: string;
  message: string;
  count: number;
  limit?: number;
  departments?: { group_no: string; name: string; before: number }[];
}
interface Progress {
  phase: string;
  items: Record<string, { done: number; expected: number | null }>;
  elapsedMs: number;
  estimatedRemainingMs: number | null;
}
export interface Run {
  id: number;
  status: string;
  trigger: string;
  dryRun: boolean;
  requestedBy: string | null;
  startedAt: string;
  finishedAt: string | null;
  snapshotId: number | null;
  baseSnapshotId: number | null;
  counts: Record<string, number>;
  findingCount: number;
  holdReasons: HoldReason[] | null;
  error: string | null;
  decidedBy: string | null;
  decidedAt: string | null;
  progress?: Progress | null;
  findings?: { kind: string; record: { type: string; key: string; label?: string }; field?: string; reason: string; action: string }[];
  diff?: {
    summary: { users: Record<string, number>; groups: Record<string, number>; renames: number; moves: number };
    sample: {
      users: { added: string[]; removed: string[]; changed: { key: string; username: string; fields: FieldChange[] }[] };
      groups: { added: string[]; removed: string[]; changed: { key: string; fields: FieldChange[] }[] };
      renames: { key: string; from: string; to: string }[];
      moves: { key: string; username: string; from: string | null; to: string | null }[];
    };
    truncated: boolean;
  } | null;
  decision?: Record<string, unknown> | null;
  approvals?: Approval[] | null;
}

interface Approval {
  by: string | null;
  at: string;
  note?: string;
  mode: 'approve' | 'decide';
  kinds?: Record<string, Verdict>;
  changes?: { kind: string; key: string; decision: Verdict }[];
  counts: Record<string, { accepted: number; rejected: number }>;
}

const STATUSES = ['', 'running', 'held', 'published', 'unchanged', 'rejected', 'failed', 'superseded', 'dry-run'];

export function RunsPage({ session, params }: { session: Session; params: URLSearchParams }) {
  const [status, setStatus] = useState(params.get('status') ?? '');
  const [offset, setOffset] = useState(0);
  const limit = 20;
  const { data, error, reload } = useLoad(
    () => api<{ items: Run[]; total: number }>('GET', `/api/v1/sync/runs${query({ status, offset, limit })}`),
    [status, offset],
  );
  const start = useAction();
  return (
    <Page title="Runs">
      <div class="toolbar">
        <label>
          Status{' '}
          <select value={status} onChange={(e) => (setStatus(e.currentTarget.value), setOffset(0))}>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s || 'any'}
              </option>
            ))}
          </select>
        </label>
        {can(session, 'sync:admin') && (
          <>
            <button
              type="button"
              disabled={start.busy}
              onClick={() =>
                void start.run(async () => {
                  const run = await api<Run>('POST', '/api/v1/sync/runs', {});
                  location.hash = `#/runs/${run.id}`;
                  return `Run ${run.id} started`;
                })
              }
            >
              Start a run
            </button>
            <button
              type="button"
              disabled={start.busy}
              onClick={() =>
                void start.run(async () => {
                  const run = await api<Run>('POST', '/api/v1/sync/runs', { dryRun: true });
                  location.hash = `#/runs/${run.id}`;
                  return `Dry run ${run.id} started`;
                })
              }
            >
              Start a dry run
            </button>
          </>
        )}
        <button type="button" onClick={reload}>
          Refresh
        </button>
      </div>
      <ActionMessage message={start.message} />
      {!data ? (
        <Loading error={error} />
      ) : (
        <>
          <table>
            <caption class="visually-hidden">Sync runs, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Run</th>
                <th scope="col">Status</th>
                <th scope="col">Trigger</th>
                <th scope="col">Started</th>
                <th scope="col">Finished</th>
                <th scope="col">Snapshot</th>
                <th scope="col">Findings</th>
              </tr>
            </thead>
            <tbody>
              {data.items.map((run) => (
                <tr key={run.id}>
                  <td>
                    <a href={`#/runs/${run.id}`}>Run {run.id}</a>
                  </td>
                  <td>
                    <span class={`badge badge-${run.status}`}>{run.status}</span>
                  </td>
                  <td>
                    {run.trigger}
                    {run.dryRun ? ' (dry)' : ''}
                  </td>
                  <td>{when(run.startedAt)}</td>
                  <td>{when(run.finishedAt)}</td>
                  <td>{run.snapshotId ?? '—'}</td>
                  <td>{run.findingCount}</td>
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

/** One run: live progress while it runs (the run's SSE stream), its review while it is held. */
export function RunPage({ session, id }: { session: Session; id: number }) {
  const { data, error, reload } = useLoad(() => api<Run>('GET', `/api/v1/sync/runs/${id}`), [id]);
  const [progress, setProgress] = useState<Progress | null>(null);
  const [live, setLive] = useState(false);
  useEffect(() => {
    if (data?.status !== 'running') return;
    const source = new EventSource(`/api/v1/sync/runs/${id}/events`);
    setLive(true);
    source.addEventListener('progress', (e) => setProgress(JSON.parse((e as MessageEvent<string>).data) as Progress));
    source.addEventListener('run', () => {
      source.close();
      setLive(false);
      reload();
    });
    source.onerror = () => {
      source.close();
      setLive(false);
      reload();
    };
    return () => source.close();
  }, [data?.status, id]);
  return (
    <Page title={`Run ${id}`}>
      <p>
        <a href="#/runs">All runs</a>
      </p>
      {!data ? (
        <Loading error={error} />
      ) : (
        <>
          <dl class="facts">
            <dt>Status</dt>
            <dd>
              <span class={`badge badge-${data.status}`} data-testid="run-status">
                {data.status}
              </span>
            </dd>
            <dt>Trigger</dt>
            <dd>
              {data.trigger} {data.requestedBy ? `by ${data.requestedBy}` : ''}
            </dd>
            <dt>Started</dt>
            <dd>{when(data.startedAt)}</dd>
            <dt>Finished</dt>
            <dd>{when(data.finishedAt)}</dd>
            <dt>Snapshot</dt>
            <dd>{data.snapshotId ? <a href={`#/snapshots/${data.snapshotId}`}>{data.snapshotId}</a> : '—'}</dd>
            {data.decidedBy && (
              <>
                <dt>Decided</dt>
                <dd>
                  by {data.decidedBy} {when(data.decidedAt)}
                </dd>
              </>
            )}
          </dl>
          {data.error && <Notice kind="error">{data.error}</Notice>}
          {data.status === 'running' && <ProgressView progress={progress ?? data.progress ?? null} live={live} />}
          {data.status === 'held' && <HeldReview run={data} session={session} onDecided={reload} />}
          {data.diff && <DiffSummary run={data} />}
          {data.findings && data.findings.length > 0 && (
            <p>
              {data.findings.length} data-quality findings: <a href={`#/quality?run=${data.id}`}>see them</a>
            </p>
          )}
          {data.decision && (
            <details>
              <summary>Decision</summary>
              <Json value={data.decision} />
            </details>
          )}
        </>
      )}
    </Page>
  );
}

function ProgressView({ progress, live }: { progress: Progress | null; live: boolean }) {
  const employees = progress?.items.employees;
  const pct = employees?.expected ? Math.floor((100 * employees.done) / employees.expected) : null;
  return (
    <section aria-labelledby="progress-title" class="panel">
      <h2 id="progress-title">Progress {live && <span class="muted">(live)</span>}</h2>
      {!progress ? (
        <p>Waiting for the first progress…</p>
      ) : (
        <div aria-live="polite" data-testid="progress">
          <p>
            Phase <strong data-testid="progress-phase">{progress.phase}</strong>
          </p>
          <progress max={100} value={pct ?? undefined} aria-label="Employees read" />
          <ul>
            {Object.entries(progress.items).map(([name, item]) => (
              <li key={name}>
                {name}: {item.done}
                {item.expected !== null ? ` of ${item.expected}` : ''}
              </li>
            ))}
          </ul>
          <p class="muted">
            {Math.round(progress.elapsedMs / 1000)} s elapsed
            {progress.estimatedRemainingMs !== null ? `, about ${Math.round(progress.estimatedRemainingMs / 1000)} s left` : ''}
          </p>
        </div>
      )}
    </section>
  );
}

function DiffSummary({ run }: { run: Run }) {
  const diff = run.diff!;
  const s = diff.summary;
  return (
    <section aria-labelledby="diff-title" class="panel">
      <h2 id="diff-title">Changes</h2>
      <p>
        People: +{s.users.added} −{s.users.removed} ~{s.users.changed} · Departments: +{s.groups.added} −{s.groups.removed} ~{s.groups.changed} · Renames{' '}
        {s.renames} · Moves {s.moves}
        {diff.truncated ? ' (samples shown)' : ''}
      </p>
      {diff.sample.users.changed.length > 0 && (
        <table>
          <caption>Field changes of people</caption>
          <thead>
            <tr>
              <th scope="col">Person</th>
              <th scope="col">Field</th>
              <th scope="col">Before</th>
              <th scope="col">After</th>
            </tr>
          </thead>
          <tbody>
            {diff.sample.users.changed.flatMap((c) =>
              c.fields.map((f) => (
                <tr key={`${c.key}-${f.field}`}>
                  <td>{c.username}</td>
                  <td>{f.field}</td>
                  <td>{show(f.before)}</td>
                  <td>{show(f.after)}</td>
                </tr>
              )),
            )}
          </tbody>
        </table>
      )}
    </section>
  );
}

type Verdict = 'accept' | 'reject';
interface Item {
  kind: string;
  key: string;
  label: string;
}

interface HeldChanges {
  users: { removed: { username: string }[] };
  groups: { removed: { group_no: string; display_name?: string }[] };
  renames: { key: string; from: string; to: string }[];
  moves: { key: string; username: string; from: string | null; to: string | null }[];
}

/** At most this many changes of each kind are listed one by one; the kind's own decision covers the rest. */
const LISTED = 1000;

/** The changes a held run asks a decision on, by kind, keyed as the decide route takes them. */
function heldItems(run: Run, source: HeldChanges): Item[] {
  const items: Item[] = [];
  for (const u of source.users.removed) items.push({ kind: 'user-removals', key: u.username, label: u.username });
  for (const g of source.groups.removed)
    items.push({ kind: 'group-removals', key: g.group_no, label: g.display_name ? `${g.display_name} (${g.group_no})` : g.group_no });
  for (const m of source.moves) items.push({ kind: 'moves', key: m.key, label: `${m.username}: ${m.from ?? '∅'} → ${m.to ?? '∅'}` });
  for (const r of source.renames) items.push({ kind: 'renames', key: r.key, label: `${r.from} → ${r.to}` });
  for (const reason of run.holdReasons ?? [])
    for (const d of reason.departments ?? []) items.push({ kind: 'emptied-departments', key: d.group_no, label: `${d.name} (${d.before} before)` });
  return items;
}

function HeldReview({ run, session, onDecided }: { run: Run; session: Session; onDecided: () => void }) {
  // The run's whole diff, page by kind (paged diffs): a failure to read it is shown, never replaced by the run's bounded sample.
  const listed = useLoad(
    () =>
      api<{ diff: HeldChanges }>('GET', `/api/v1/sync/runs/${run.id}/diff${query({ kind: 'users.removed,groups.removed,moves,renames', limit: LISTED })}`).then(
        (answer) => answer.diff,
      ),
    [run.id],
  );
  const items = listed.data ? heldItems(run, listed.data) : [];
  const kinds = [...new Set(items.map((i) => i.kind))];
  // A second approver starts from the first approval's decision (four-eyes asks for the same one).
  const first = run.approvals?.[0];
  const [kindVerdicts, setKindVerdicts] = useState<Record<string, Verdict>>(first?.kinds ?? {});
  const [changes, setChanges] = useState<Record<string, Verdict | ''>>(
    Object.fromEntries((first?.changes ?? []).map((c) => [JSON.stringify([c.kind, c.key]), c.decision])),
  );
  const [note, setNote] = useState('');
  const action = useAction();
  const allowed = can(session, 'sync:admin');
  const decided = (m: string) => (onDecided(), m);
  const decide = () =>
    action.run(async () => {
      const body = {
        note,
        kinds: kindVerdicts,
        changes: Object.entries(changes)
          .filter(([, v]) => v)
          .map(([id, decision]) => {
            const [kind, key] = JSON.parse(id) as [string, string];
            return { kind, key, decision };
          }),
      };
      const answer = await api<Run>('POST', `/api/v1/sync/runs/${run.id}/decide`, body);
      return decided(answer.status === 'held' ? 'Approval recorded: a second person must approve (four-eyes).' : `Decided: the run is ${answer.status}.`);
    });
  return (
    <section aria-labelledby="review-title" class="panel attention">
      <h2 id="review-title">Held: review</h2>
      <ul>
        {(run.holdReasons ?? []).map((r) => (
          <li key={r.kind}>
            <strong>{r.kind}</strong>: {r.message}
          </li>
        ))}
      </ul>
      {first ? (
        <div data-testid="four-eyes" class="panel">
          <h3>Four-eyes: 1 of 2 approvals</h3>
          <p>
            Approved by <strong>{first.by ?? 'unknown'}</strong> {when(first.at)}
            {first.note ? ` (“${first.note}”)` : ''}. A second approver, another client, must send the same decision (pre-filled below); they may reject the run
            instead.
          </p>
          <ul>
            {Object.entries(first.counts ?? {}).map(([kind, c]) => (
              <li key={kind}>
                {kind}: {c.accepted} accepted, {c.rejected} rejected
              </li>
            ))}
          </ul>
        </div>
      ) : (
        <p class="muted" data-testid="four-eyes">
          No approval yet. A decision publishing many removals may need two approvers (four-eyes).
        </p>
      )}
      {!allowed && <Notice kind="info">You can read this review; deciding needs the sync:admin scope.</Notice>}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void decide();
        }}
      >
        {!listed.data && <Loading error={listed.error} />}
        {kinds.map((kind) => (
          <fieldset key={kind}>
            <legend>
              {kind} ({items.filter((i) => i.kind === kind).length})
            </legend>
            <label>
              Decision for all {kind}{' '}
              <select
                disabled={!allowed}
                value={kindVerdicts[kind] ?? 'reject'}
                onChange={(e) => setKindVerdicts({ ...kindVerdicts, [kind]: e.currentTarget.value as Verdict })}
              >
                <option value="reject">reject (keep in /sync)</option>
                <option value="accept">accept</option>
              </select>
            </label>
            <table>
              <caption class="visually-hidden">{kind}</caption>
              <thead>
                <tr>
                  <th scope="col">Change</th>
                  <th scope="col">Decision</th>
                </tr>
              </thead>
              <tbody>
                {items
                  .filter((i) => i.kind === kind)
                  .map((item) => {
                    const id = JSON.stringify([item.kind, item.key]);
                    return (
                      <tr key={id}>
                        <td>{item.label}</td>
                        <td>
                          <select
                            aria-label={`Decision for ${item.label}`}
                            disabled={!allowed}
                            value={changes[id] ?? ''}
                            onChange={(e) => setChanges({ ...changes, [id]: e.currentTarget.value as Verdict | '' })}
                          >
                            <option value="">as the kind</option>
                            <option value="accept">accept</option>
                            <option value="reject">reject</option>
                          </select>
                        </td>
                      </tr>
                    );
                  })}
              </tbody>
            </table>
          </fieldset>
        ))}
        <label class="block">
          Note (required)
          <textarea required disabled={!allowed} value={note} onInput={(e) => setNote(e.currentTarget.value)} rows={2} />
        </label>
        <div class="toolbar">
          <button type="submit" disabled={!allowed || action.busy || !listed.data}>
            Publish the accepted changes
          </button>
          <button
            type="button"
            disabled={!allowed || action.busy}
            onClick={() =>
              void action.run(async () => decided(`Run ${(await api<Run>('POST', `/api/v1/sync/runs/${run.id}/approve`, { note: note || undefined })).status}`))
            }
          >
            Approve everything
          </button>
          <button
            type="button"
            disabled={!allowed || action.busy}
            onClick={() =>
              void action.run(async () => decided(`Run ${(await api<Run>('POST', `/api/v1/sync/runs/${run.id}/reject`, { note: note || undefined })).status}`))
            }
          >
            Reject everything
          </button>
        </div>
      </form>
      <ActionMessage message={action.message} />
    </section>
  );
}
