/** `/health`: what needs attention, at a glance (a .dto.ts file, so that the Swagger plugin documents its fields). */
export class StatusDto {
  /** `ok`, or `degraded` when nothing is published, the last run failed, runs wait for a decision, OMFLOW stopped pulling or notifications fail. */
  status: 'ok' | 'degraded';
  /** What needs attention, in words. */
  warnings: string[];
  sync: {
    publishedSnapshotId: number | null;
    publishedAt: string | null;
    lastRunStatus: string | null;
    lastSuccessAt: string | null;
    heldRuns: number;
    /** People and departments the last run left out for problems in their data (their published versions are kept where they exist). */
    lastRunQuarantined: { users: number; groups: number };
  };
  omflow: {
    lastPullAt: string | null;
    lastPullSnapshotId: number | null;
    /** No pull for longer than OMFLOW_PULL_STALE_SECONDS. */
    stale: boolean;
  };
  notifications: {
    /** Webhooks configured (NOTIFY_WEBHOOK_URLS, NOTIFY_CHAT_WEBHOOK_URLS); 0: notifications are off. */
    webhooks: number;
    /** Notifications with failed attempts that are still retried. */
    failing: number;
    /** Notifications abandoned in the last 24 hours (each audited as notification.abandoned). */
    abandoned: number;
    /** The latest failure: when, which webhook (format, position, origin; never its path or query) and what went wrong. */
    lastError: { at: string; webhook: string; error: string } | null;
  };
}
