import { Counter, Histogram, Registry } from 'prom-client';

/** HTTP methods kept as label values; anything else is counted as `other` (label sets stay bounded). */
const HTTP_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** Request durations: a cached health answer (sub-millisecond) up to a large streamed query or /sync (seconds). */
const HTTP_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Sync phases: a few milliseconds (diff of a small organisation) up to minutes (reading 100,000 people). */
const PHASE_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];
/** One audit commit: a fraction of a millisecond on SQLite up to a slow database. */
const AUDIT_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/** The route label of a request no route matched (a 404): one value, never the raw URL. */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * The product's metrics, on one prom-client Registry (never prom-client's global default: tests
 * start several bridges in one process). Services record through its methods, whose label
 * values come from closed sets (run outcomes, finding kinds, login outcomes...), so every series
 * is bounded. Code outside the bridge (a CLI, a benchmark, a unit test) may `new BridgeMetrics()`:
 * the metrics then go to a registry of its own that nobody scrapes.
 */
export class BridgeMetrics {
  readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  readonly syncRuns: Counter<'outcome'>;
  readonly syncPhaseDuration: Histogram<'phase'>;
  readonly syncQuarantined: Counter<'type'>;
  readonly syncFindings: Counter<'kind'>;
  readonly logins: Counter<'outcome'>;
  readonly lockouts: Counter<'kind'>;
  readonly queryRows: Counter<'call'>;
  readonly auditAppendDuration: Histogram<'mode'>;
  readonly notifications: Counter<'type' | 'outcome'>;

  constructor(readonly registry: Registry = new Registry()) {
    const registers = [registry];
    this.httpRequests = new Counter({
      name: 'bridge_http_requests_total',
      help: 'HTTP requests answered, by method, route template (`unmatched` when no route matched) and status code.',
      labelNames: ['method', 'route', 'status'],
      registers,
    });
    this.httpDuration = new Histogram({
      name: 'bridge_http_request_duration_seconds',
      help: 'Time from the request to the end of its answer, by method, route template and status code.',
      labelNames: ['method', 'route', 'status'],
      buckets: HTTP_BUCKETS,
      registers,
    });
    this.syncRuns = new Counter({
      name: 'bridge_sync_runs_total',
      help: 'Sync runs ended on this instance, by outcome (published, unchanged, held, failed, dry-run).',
      labelNames: ['outcome'],
      registers,
    });
    this.syncPhaseDuration = new Histogram({
      name: 'bridge_sync_phase_duration_seconds',
      help: 'Duration of each phase of the sync runs of this instance (read, load, check, diff, write, publish; total: the whole run).',
      labelNames: ['phase'],
      buckets: PHASE_BUCKETS,
      registers,
    });
    this.syncQuarantined = new Counter({
      name: 'bridge_sync_records_quarantined_total',
      help: 'Records left out of a checked snapshot because of their problems, by type (user, department); counted again by every run that checks them.',
      labelNames: ['type'],
      registers,
    });
    this.syncFindings = new Counter({
      name: 'bridge_sync_findings_total',
      help: 'Data-quality findings of the checked runs, by kind (duplicate-email, missing-parent...); counted again by every run that finds them.',
      labelNames: ['kind'],
      registers,
    });
    this.logins = new Counter({
      name: 'bridge_auth_logins_total',
      help: 'POST /authenticate attempts, by outcome: success, locked, or the failure reason (wrong_password, unknown_user, rate_limited...).',
      labelNames: ['outcome'],
      registers,
    });
    this.lockouts = new Counter({
      name: 'bridge_auth_lockouts_total',
      help: 'Lockouts started by failed logins, by kind (user, ip).',
      labelNames: ['kind'],
      registers,
    });
    this.queryRows = new Counter({
      name: 'bridge_query_rows_total',
      help: 'Rows served by the OMFLOW query API, by call (users, groups, users_by_group).',
      labelNames: ['call'],
      registers,
    });
    this.auditAppendDuration = new Histogram({
      name: 'bridge_audit_append_duration_seconds',
      help: 'Time to append audit events: one group-commit batch (mode=batch) or the events inside a caller transaction (mode=transaction).',
      labelNames: ['mode'],
      buckets: AUDIT_BUCKETS,
      registers,
    });
    this.notifications = new Counter({
      name: 'bridge_notifications_total',
      help: 'Webhook notifications by event type and outcome: enqueued (one per webhook), delivered, failed (an attempt failed, a retry is scheduled), abandoned.',
      labelNames: ['type', 'outcome'],
      registers,
    });
  }

  /** One answered request; `route` is the route template (UNMATCHED_ROUTE when none), `seconds` its duration. */
  httpRequest(method: string, route: string, status: number, seconds: number): void {
    // One label object for both (prom-client hashes it per call; caching label children measured slower: bench/metrics.bench.ts).
    const labels = { method: HTTP_METHODS.has(method) ? method : 'other', route, status: String(status) };
    this.httpRequests.inc(labels);
    this.httpDuration.observe(labels, seconds);
  }

  syncRunEnded(outcome: string): void {
    this.syncRuns.inc({ outcome });
  }

  syncPhase(phase: string, seconds: number): void {
    this.syncPhaseDuration.observe({ phase }, seconds);
  }

  /** A run's check: records quarantined by type, and its findings (their kinds counted). */
  syncChecked(quarantined: { users: number; groups: number }, findings: readonly { kind: string }[]): void {
    this.syncQuarantined.inc({ type: 'user' }, quarantined.users);
    this.syncQuarantined.inc({ type: 'department' }, quarantined.groups);
    const byKind = new Map<string, number>();
    for (const { kind } of findings) byKind.set(kind, (byKind.get(kind) ?? 0) + 1);
    for (const [kind, n] of byKind) this.syncFindings.inc({ kind }, n);
  }

  login(outcome: string): void {
    this.logins.inc({ outcome });
  }

  lockout(kind: string): void {
    this.lockouts.inc({ kind });
  }

  rowsServed(call: 'users' | 'groups' | 'users_by_group', rows: number): void {
    this.queryRows.inc({ call }, rows);
  }

  /** A notification enqueued, delivered, failed (to be retried) or abandoned; `type` is one of the closed set of event types. */
  notification(type: string, outcome: 'enqueued' | 'delivered' | 'failed' | 'abandoned', count = 1): void {
    this.notifications.inc({ type, outcome }, count);
  }

  auditAppended(mode: 'batch' | 'transaction', seconds: number): void {
    this.auditAppendDuration.observe({ mode }, seconds);
  }
}
