import type { Finding } from '#app/hr-source';
import type { ReconciliationRow } from '#app/omflow-readback';
import type { RemovalsDue, SyncRun, SyncStatus } from '#app/snapshots';

/** People listed in one person.quarantined or sync.removals.due notification (the count is always complete). */
export const MAX_LISTED_PEOPLE = 100;

/**
 * A message without credentials: URLs lose their user info and query string (a directory URL
 * may carry a token), and the text is cut to a bounded length.
 */
export function scrub(text: string, max = 1000): string {
  const clean = text.replace(/\b(https?:\/\/)(?:[^\s/@]+@)?([^\s?#]*)(?:\?[^\s#]*)?(?:#\S*)?/gi, '$1$2');
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}

/** A link to the bridge's API: absolute when NOTIFY_LINK_BASE_URL is set. */
export function link(base: string | undefined, path: string): string {
  return `${base ?? ''}${path}`;
}

function runOf(run: SyncRun) {
  return {
    id: run.id,
    trigger: run.trigger,
    startedAt: run.startedAt.toISOString(),
    finishedAt: run.finishedAt?.toISOString() ?? null,
  };
}

/** Emptied departments named in a held notification (the run's page lists them all). */
const MAX_LISTED_DEPARTMENTS = 100;

/** `sync.run.held`: why, the counts, and where to decide (the REST paths); an emptied-departments reason names its departments. */
export function heldData(run: SyncRun, base?: string) {
  const path = `/api/v1/sync/runs/${run.id}`;
  return {
    run: { ...runOf(run), snapshotId: run.snapshotId, baseSnapshotId: run.baseSnapshotId },
    reasons: (run.holdReasons ?? []).map((r) => ({
      kind: r.kind,
      message: r.message,
      count: r.count,
      limit: r.limit ?? null,
      ...(r.departments ? { departments: r.departments.slice(0, MAX_LISTED_DEPARTMENTS) } : {}),
    })),
    counts: run.counts,
    diff: run.diff?.summary ?? null,
    decide: {
      run: link(base, path),
      approve: { method: 'POST', url: link(base, `${path}/approve`) },
      reject: { method: 'POST', url: link(base, `${path}/reject`) },
    },
  };
}

/** `sync.run.failed`: the reason (a closed set) and the run's message, without credentials. */
export function failedData(run: SyncRun, base?: string) {
  return {
    run: runOf(run),
    reason: run.failureReason ?? 'error',
    message: scrub(run.error ?? ''),
    details: link(base, `/api/v1/sync/runs/${run.id}`),
  };
}

/** The people a run left out for their data (quarantined, or kept at their published version), by stable key. */
export function quarantinedPeople(findings: readonly Finding[]): Map<string, { key: string; username: string | null; findings: Finding[] }> {
  const people = new Map<string, { key: string; username: string | null; findings: Finding[] }>();
  for (const finding of findings) {
    if (finding.record.type !== 'user' || (finding.action !== 'quarantined' && finding.action !== 'kept-published')) continue;
    const person = people.get(finding.record.key) ?? { key: finding.record.key, username: finding.record.label ?? null, findings: [] };
    person.findings.push(finding);
    people.set(finding.record.key, person);
  }
  return people;
}

/** `person.quarantined`: the people quarantined for the first time by a run (up to MAX_LISTED_PEOPLE listed). */
export function quarantinedData(run: SyncRun, people: readonly { key: string; username: string | null; findings: Finding[] }[], base?: string) {
  return {
    run: runOf(run),
    count: people.length,
    people: people.slice(0, MAX_LISTED_PEOPLE).map((p) => ({
      key: p.key,
      username: p.username,
      kept: p.findings.some((f) => f.action === 'kept-published'),
      problems: p.findings.map((f) => ({ kind: f.kind, field: f.field ?? null, reason: scrub(f.reason, 300) })),
    })),
    truncated: people.length > MAX_LISTED_PEOPLE,
    details: link(base, `/api/v1/sync/runs/${run.id}`),
  };
}

/** `omflow.pull.stale`: since when OMFLOW has not pulled, and the threshold. */
export function staleData(status: SyncStatus, since: Date, thresholdSeconds: number) {
  return {
    lastPullAt: status.lastPullAt?.toISOString() ?? null,
    lastPullClient: status.lastPullClient,
    awaitedSince: since.toISOString(),
    thresholdSeconds,
    publishedSnapshotId: status.publishedSnapshotId,
  };
}

/** `omflow.pull.resumed`: OMFLOW pulled again after a stale episode. */
export function resumedData(status: SyncStatus, staleSince: Date) {
  return {
    lastPullAt: status.lastPullAt?.toISOString() ?? null,
    lastPullClient: status.lastPullClient,
    lastPullSnapshotId: status.lastPullSnapshotId,
    awaitedSince: staleSince.toISOString(),
    silentSeconds: status.lastPullAt ? Math.round((status.lastPullAt.getTime() - staleSince.getTime()) / 1000) : null,
  };
}

/** `sync.removals.due`: people whose removal's grace window has passed. */
export function removalsDueData(event: RemovalsDue) {
  const iso = (d: Date | string | null | undefined) => (d instanceof Date ? d.toISOString() : (d ?? null));
  return {
    runId: event.runId ?? null,
    count: event.count,
    people: event.people.slice(0, MAX_LISTED_PEOPLE).map((p) => ({ key: p.key, username: p.username, missingSince: iso(p.missingSince), dueAt: iso(p.dueAt) })),
    truncated: event.count > Math.min(event.people.length, MAX_LISTED_PEOPLE),
  };
}

/** `omflow.drift`: what the read-back of OMFLOW found (counts, reasons, a few names) and where to see it all. */
export function driftData(row: ReconciliationRow, linkBase: string | undefined) {
  const counts = row.result?.counts ?? null;
  const samples = row.result?.samples;
  return {
    reconciliation: {
      id: row.id,
      trigger: row.trigger,
      outcome: row.outcome,
      finishedAt: row.finishedAt?.toISOString() ?? null,
    },
    snapshotId: row.snapshotId,
    publishedSnapshotId: row.publishedSnapshotId,
    behind: row.result?.behind ?? false,
    reasons: row.result?.reasons ?? [],
    counts: counts && {
      users: { missing: counts.users.missing, unexpected: counts.users.unexpected, drifted: counts.users.drifted, driftByField: counts.users.driftByField },
      departments: {
        missing: counts.departments.missing,
        unexpected: counts.departments.unexpected,
        drifted: counts.departments.drifted,
        driftByField: counts.departments.driftByField,
      },
    },
    /** A few usernames of each kind (the comparison's page lists up to RECONCILE_SAMPLES). */
    examples: {
      missingUsers: (samples?.missingUsers ?? []).slice(0, 10).map((s) => s.username),
      unexpectedUsers: (samples?.unexpectedUsers ?? []).slice(0, 10).map((s) => s.username),
      driftedUsers: (samples?.driftedUsers ?? []).slice(0, 10).map((s) => s.username),
    },
    details: link(linkBase, `/api/v1/omflow/reconciliation/runs/${row.id}`),
  };
}

/**
 * What an `omflow.drift` notification is about: the outcome and the counts of each kind of
 * difference. A comparison whose signature equals the previous one's is not notified again.
 */
export function driftSignature(row: ReconciliationRow | null): string | null {
  if (!row || (row.outcome !== 'drifted' && row.outcome !== 'not-pulled')) return null;
  const c = row.result?.counts;
  const kinds = c ? [c.users.missing, c.users.unexpected, c.users.drifted, c.departments.missing, c.departments.unexpected, c.departments.drifted] : [];
  return [row.outcome, row.snapshotId ?? '-', row.result?.behind ? 'behind' : '', ...kinds].join(':');
}
