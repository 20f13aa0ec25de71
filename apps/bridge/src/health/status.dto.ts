import { ApiProperty } from '@nestjs/swagger';

/** The latest failed notification attempt. */
export class NotificationErrorDto {
  at: string;
  /** The webhook: its format, position and origin (never its path or query). */
  webhook: string;
  /** What went wrong (`HTTP 503`, `no answer within 5000 ms`, `network error (ECONNREFUSED)`...). */
  error: string;
}

/** The notifications' delivery (NOTIFY_*). */
export class NotificationsHealthDto {
  /** Webhooks configured (NOTIFY_WEBHOOK_URLS, NOTIFY_CHAT_WEBHOOK_URLS); 0: notifications are off. */
  webhooks: number;
  /** Notifications with failed attempts that are still retried. */
  failing: number;
  /** Notifications abandoned in the last 24 hours (each audited as notification.abandoned). */
  abandoned: number;
  /** The latest failure among those. */
  @ApiProperty({ type: NotificationErrorDto, nullable: true })
  lastError: NotificationErrorDto | null;
}

/** The read-back of OMFLOW (OMFLOW_URL): its last comparison. */
export class ReadbackHealthDto {
  /** Whether the read-back is on (OMFLOW_URL, OMFLOW_API_USER, OMFLOW_API_PASSWORD). */
  configured: boolean;
  /** The last comparison that ended (see /api/v1/omflow/reconciliation). */
  @ApiProperty({ type: 'integer', nullable: true })
  lastId: number | null;
  @ApiProperty({ type: 'string', nullable: true, enum: ['in-sync', 'drifted', 'not-pulled', 'failed'] })
  lastOutcome: string | null;
  @ApiProperty({ type: 'boolean', nullable: true })
  inSync: boolean | null;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true })
  lastAt: string | null;
}

/** `/health`: what needs attention, at a glance (a .dto.ts file, so that the Swagger plugin documents its fields). */
export class StatusDto {
  /** `ok`, or `degraded` when nothing is published, the last run failed, runs wait for a decision, OMFLOW stopped pulling, the read-back of OMFLOW found drift or failed, or notifications fail. */
  status: 'ok' | 'degraded';
  /** What needs attention, in words. */
  warnings: string[];
  sync: {
    publishedSnapshotId: number | null;
    publishedAt: string | null;
    lastRunStatus: string | null;
    lastSuccessAt: string | null;
    heldRuns: number;
    /** People missing from the directory whose removal waits out the grace window or is due (GET /api/v1/sync/pending-removals); they cannot log in meanwhile. */
    pendingRemovals: number;
    /** People and departments the last run left out for problems in their data (their published versions are kept where they exist). */
    lastRunQuarantined: { users: number; groups: number };
  };
  omflow: {
    lastPullAt: string | null;
    lastPullSnapshotId: number | null;
    /** No pull for longer than OMFLOW_PULL_STALE_SECONDS. */
    stale: boolean;
  };
  /** A warning when the last comparison found OMFLOW drifted, not pulling, or could not read it. */
  readback: ReadbackHealthDto;
  notifications: NotificationsHealthDto;
}
