import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { jsonColumn } from '#app/database';
import type { Finding } from '#app/hr-source';
import type { ChangeDecision, ChangeKind, KindCounts, Verdict } from './decisions.js';
import type { Diff, DiffSummary } from './diff.js';
import type { HoldReason } from './guard.js';
import type { RunProgress } from './run-progress.js';

export type RunStatus = 'running' | 'published' | 'unchanged' | 'held' | 'rejected' | 'superseded' | 'failed' | 'dry-run';
export type RunTrigger = 'schedule' | 'startup' | 'manual' | 'proxy' | 'approval';

/**
 * Why a run failed: the source read or the checks (`source`), SYNC_DEADLINE_SECONDS
 * (`deadline`), a shutdown that cancelled it (`shutdown`), a crash of its process found later
 * (`interrupted`), its lock taken over after the lease ran out (`lock-lost`), or anything else
 * (`error`).
 */
export type RunFailureReason = 'source' | 'deadline' | 'shutdown' | 'interrupted' | 'lock-lost' | 'error';
export const RUN_FAILURE_REASONS: readonly RunFailureReason[] = ['source', 'deadline', 'shutdown', 'interrupted', 'lock-lost', 'error'];

/** The deletion grace window's counts of one run (GUARD_DELETION_GRACE_HOURS). */
export interface GraceCounts {
  /** People kept in the candidate while their removal waits out its window (those found missing by this run included). */
  pendingRemovals: number;
  /** People this run found missing for the first time (their window opens). */
  enteredGrace: number;
  /** Pending removals cancelled because their person is back in the directory. */
  removalsCancelled: number;
  /** People whose window has passed: left out of the candidate (removals the guard counts). */
  removedAfterGrace: number;
  /** People kept published because an operator cancelled their removal. */
  removalsKeptByCancel: number;
}

/** Who entered the window, came back, or is due, in a run's diff (`diff.grace`; at most 200 each, the counts are in `counts`). */
export interface RunGraceSample {
  entered: { key: string; username: string; dueAt: string }[];
  reappeared: { key: string; username: string }[];
  due: { key: string; username: string; missingSince: string }[];
}

/** Counts of one run, for the history. */
export interface RunCounts extends GraceCounts {
  read: number;
  excluded: number;
  users: number;
  groups: number;
  quarantinedUsers: number;
  quarantinedGroups: number;
  writtenRows: number;
}

/** The run's diff against the published snapshot: the summary and a bounded sample of each change. */
export interface RunDiff {
  summary: DiffSummary;
  sample: Pick<Diff, 'renames' | 'moves'> & {
    users: { added: string[]; removed: string[]; changed: { key: string; username: string; fields: Diff['users']['changed'][number]['fields'] }[] };
    groups: { added: string[]; removed: string[]; changed: { key: string; fields: Diff['groups']['changed'][number]['fields'] }[] };
  };
  truncated: boolean;
  /** The deletion grace window in this run; absent in runs recorded before it. */
  grace?: RunGraceSample;
}

@Entity('sync_run')
export class SyncRun {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: 'varchar', length: 16 })
  status: RunStatus;

  @Column({ name: 'trigger_kind', type: 'varchar', length: 16 })
  trigger: RunTrigger;

  @Column({ name: 'dry_run', type: 'boolean' })
  dryRun: boolean;

  @Column({ name: 'requested_by', type: 'varchar', length: 64, nullable: true })
  requestedBy: string | null;

  @Column({ type: 'varchar', length: 255 })
  source: string;

  @Column({ name: 'instance_id', type: 'varchar', length: 64 })
  instanceId: string;

  @Column({ name: 'started_at', type: 'datetime', precision: 3 })
  startedAt: Date;

  @Column({ name: 'finished_at', type: 'datetime', precision: 3, nullable: true })
  finishedAt: Date | null;

  @Column({ name: 'snapshot_id', type: 'integer', nullable: true })
  snapshotId: number | null;

  /** The snapshot that was published when the run started (its diff is against it). */
  @Column({ name: 'base_snapshot_id', type: 'integer', nullable: true })
  baseSnapshotId: number | null;

  /** Milliseconds per phase: read, check, diff, write, publish. */
  @Column({ name: 'phases_json', type: 'text', transformer: jsonColumn })
  phases: Record<string, number>;

  @Column({ name: 'counts_json', type: 'text', transformer: jsonColumn })
  counts: Partial<RunCounts>;

  @Column({ name: 'finding_count', type: 'integer' })
  findingCount: number;

  @Column({ name: 'findings_json', type: 'text', transformer: jsonColumn })
  findings: Finding[];

  @Column({ name: 'diff_json', type: 'text', nullable: true, transformer: jsonColumn })
  diff: RunDiff | null;

  @Column({ name: 'hold_json', type: 'text', nullable: true, transformer: jsonColumn })
  holdReasons: HoldReason[] | null;

  /** Where the run stands (its last value once ended); null for runs recorded before progress was kept. */
  @Column({ name: 'progress_json', type: 'text', nullable: true, transformer: jsonColumn })
  progress: RunProgress | null;

  @Column({ type: 'text', nullable: true })
  error: string | null;

  @Column({ name: 'failure_reason', type: 'varchar', length: 32, nullable: true })
  failureReason: RunFailureReason | null;

  @Column({ name: 'decided_by', type: 'varchar', length: 64, nullable: true })
  decidedBy: string | null;

  @Column({ name: 'decided_at', type: 'datetime', precision: 3, nullable: true })
  decidedAt: Date | null;

  @Column({ name: 'decision_json', type: 'text', nullable: true, transformer: jsonColumn })
  decision: RunDecision | null;

  /** The approvals received (the first of two shown while the run waits for the second); null when none. */
  @Column({ name: 'approvals_json', type: 'text', nullable: true, transformer: jsonColumn })
  approvals: RunApproval[] | null;
}

/** What was decided about a held run. */
export interface RunDecision {
  approved: boolean;
  note?: string;
  /** `approve` (the whole run, renames kept or accepted), `decide` (change by change, kind by kind). */
  mode?: 'approve' | 'decide';
  renames?: Record<string, 'keep' | 'accept'>;
  kinds?: Partial<Record<ChangeKind, Verdict>>;
  changes?: ChangeDecision[];
  /** Changes accepted and rejected per kind. */
  counts?: KindCounts;
  /** The clients whose approvals published the run (two with four-eyes). */
  approvedBy?: string[];
  /** Published with one approval and an override token. */
  override?: boolean;
  publishedSnapshotId?: number;
}

/** One approval of a held run. */
export interface RunApproval {
  by: string | null;
  at: string;
  note?: string;
  mode: 'approve' | 'decide';
  renames?: Record<string, 'keep' | 'accept'>;
  kinds?: Partial<Record<ChangeKind, Verdict>>;
  changes?: ChangeDecision[];
  counts: KindCounts;
  /** What the decision does (see fingerprintOf): a second approval must do the same. */
  fingerprint: string;
}
