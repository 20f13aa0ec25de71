import { api, can, type Session, when } from './api.js';
import { Loading, Page, useLoad } from './ui.js';

interface SyncStatus {
  publishedSnapshotId: number | null;
  publishedAt: string | null;
  payloadBytes: number | null;
  lastPullAt: string | null;
  lastPullClient: string | null;
  lastPullSnapshotId: number | null;
  lastSuccessAt: string | null;
  running: boolean;
  heldRuns: number;
  lastRun?: { id: number; status: string; startedAt: string } | null;
}

interface Health {
  status: string;
  warnings?: string[];
  sync?: { pendingRemovals?: number; lastRunQuarantined?: { users: number; groups: number } };
  readback?: { configured: boolean; lastOutcome: string | null };
  notifications?: { webhooks?: number; failing?: number; abandoned?: number; lastError?: string | null };
}

interface Overview {
  status: SyncStatus | null;
  health: Health | null;
  lastRun: { id: number; status: string; startedAt: string; finishedAt: string | null; findingCount: number } | null;
}

async function optional<T>(work: Promise<T>): Promise<T | null> {
  try {
    return await work;
  } catch {
    return null;
  }
}

export function OverviewPage({ session }: { session: Session }) {
  const sync = can(session, 'sync:admin');
  const { data, error } = useLoad<Overview>(async () => {
    // /health carries the pending removals, the last run's quarantine and the read-back's outcome.
    const [status, health, runs] = await Promise.all([
      sync ? api<SyncStatus>('GET', '/api/v1/sync/status') : null,
      optional(api<Health>('GET', '/health')),
      sync ? api<{ items: Overview['lastRun'][] }>('GET', '/api/v1/sync/runs?limit=1') : null,
    ]);
    return { status, health, lastRun: runs?.items[0] ?? null };
  }, []);
  return (
    <Page title="Overview">
      {!data ? (
        <Loading error={error} />
      ) : (
        <div class="cards">
          {data.status && (
            <>
              <article class="card">
                <h2>What /sync serves</h2>
                <p>
                  {data.status.publishedSnapshotId === null ? (
                    'Nothing published yet'
                  ) : (
                    <a href={`#/snapshots/${data.status.publishedSnapshotId}`}>Snapshot {data.status.publishedSnapshotId}</a>
                  )}
                </p>
                <p class="muted">published {when(data.status.publishedAt)}</p>
              </article>
              <article class="card">
                <h2>OMFLOW's last pull</h2>
                <p>{when(data.status.lastPullAt)}</p>
                <p class="muted">
                  {data.status.lastPullClient ?? 'never'}
                  {data.status.lastPullSnapshotId !== null && ` · snapshot ${data.status.lastPullSnapshotId}`}
                </p>
              </article>
              <article class="card">
                <h2>Last run</h2>
                {data.lastRun ? (
                  <p>
                    <a href={`#/runs/${data.lastRun.id}`}>
                      Run {data.lastRun.id}: {data.lastRun.status}
                    </a>
                  </p>
                ) : (
                  <p>No run yet</p>
                )}
                <p class="muted">{data.status.running ? 'a run is going' : `last success ${when(data.status.lastSuccessAt)}`}</p>
              </article>
              <article class={`card ${data.status.heldRuns ? 'attention' : ''}`}>
                <h2>Held runs</h2>
                <p>
                  <a href="#/runs?status=held">{data.status.heldRuns} held</a>
                </p>
              </article>
              <article class="card">
                <h2>Pending removals</h2>
                <p>
                  <a href="#/removals">{data.health?.sync?.pendingRemovals ?? 0} pending</a>
                </p>
              </article>
              <article class="card">
                <h2>Quarantined people</h2>
                <p>
                  <a href="#/quality">{data.health?.sync?.lastRunQuarantined?.users ?? 0} left out by the last run</a>
                </p>
              </article>
              <article class="card">
                <h2>Read-back of OMFLOW</h2>
                <p>
                  <a href="#/readback">{readbackLine(data.health)}</a>
                </p>
              </article>
            </>
          )}
          <article class="card">
            <h2>Health</h2>
            <p>{data.health?.status ?? 'unknown'}</p>
            {data.health?.warnings?.length ? (
              <ul>
                {data.health.warnings.map((w) => (
                  <li key={w}>{w}</li>
                ))}
              </ul>
            ) : null}
          </article>
          {can(session, 'admin') && (
            <article class="card">
              <h2>Webhook failures</h2>
              <p>
                <a href="#/notifications">{notificationsLine(data.health)}</a>
              </p>
            </article>
          )}
        </div>
      )}
    </Page>
  );
}

function readbackLine(health: Health | null): string {
  const readback = health?.readback;
  if (!readback?.configured) return 'not configured (OMFLOW_URL)';
  return readback.lastOutcome ? `last comparison: ${readback.lastOutcome}` : 'no comparison yet';
}

function notificationsLine(health: Health | null): string {
  const n = health?.notifications;
  if (!n) return 'see deliveries';
  return `${n.failing ?? 0} failing, ${n.abandoned ?? 0} abandoned`;
}
