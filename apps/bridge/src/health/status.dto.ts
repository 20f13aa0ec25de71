/** `/health`: what needs attention, at a glance (a .dto.ts file, so that the Swagger plugin documents its fields). */
export class StatusDto {
  /** `ok`, or `degraded` when nothing is published, the last run failed, runs wait for a decision or OMFLOW stopped pulling. */
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
}
