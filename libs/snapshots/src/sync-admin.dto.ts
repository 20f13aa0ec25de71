import { ApiProperty } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateBy,
  ValidateNested,
} from 'class-validator';
import { OffsetPageQueryDto } from '#app/common';
import type { Finding } from '#app/hr-source';
import { CHANGE_KINDS, OVERRIDE_TOKEN_MAX_MINUTES, type ChangeKind, type Verdict } from './decisions.js';
import { DIFF_KINDS, type Diff, type DiffKind, type DiffPageRequest } from './diff.js';
import type { HoldReason } from './guard.js';
import { RUN_PHASES, type RunProgress } from './run-progress.js';
import { RUN_FAILURE_REASONS, type RunApproval, type RunDiff, type RunFailureReason, type SyncRun } from './sync-run.entity.js';

const RUN_STATUSES = ['running', 'published', 'unchanged', 'held', 'rejected', 'superseded', 'failed', 'dry-run'] as const;

export class StartRunDto {
  /** Compute and report everything (findings, diff, guard) without writing or publishing a snapshot. */
  @IsOptional()
  @IsBoolean()
  dryRun?: boolean;
}

const toBoolean = ({ value }: { value: unknown }): unknown => (value === 'true' ? true : value === 'false' ? false : value);

export class StartRunQueryDto {
  /**
   * `true`: answer when the run ends (200 with the finished run), the blocking form for scripts.
   * Otherwise the run is answered at once (202, `Location` of the run) and goes on in the background.
   */
  @ApiProperty({ required: false, type: 'boolean', default: false })
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean()
  wait?: boolean;
}

export class ListRunsQueryDto extends OffsetPageQueryDto {
  @ApiProperty({ enum: RUN_STATUSES, required: false })
  @IsOptional()
  @IsIn(RUN_STATUSES)
  status?: (typeof RUN_STATUSES)[number];
}

export class ApproveRunDto {
  /**
   * For each held rename (by the person's stable key): `keep` the username OMFLOW knows, or
   * `accept` the new one. Renames not named are accepted.
   */
  @ApiProperty({ required: false, example: { 'u-123': 'keep' }, additionalProperties: { type: 'string', enum: ['keep', 'accept'] } })
  @IsOptional()
  @IsObject()
  @ValidateBy({
    name: 'renameDecisions',
    validator: {
      validate: (value: unknown) =>
        typeof value === 'object' && value !== null && Object.values(value as Record<string, unknown>).every((v) => v === 'keep' || v === 'accept'),
      defaultMessage: () => 'each decision in renames must be "keep" or "accept"',
    },
  })
  renames?: Record<string, 'keep' | 'accept'>;

  /** Why (kept in the audit trail). */
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  note?: string;

  /**
   * A single-use override token (`POST /api/v1/sync/runs/{id}/override-token`): this approval
   * publishes alone, even when GUARD_FOUR_EYES_USER_REMOVALS asks for two.
   */
  @IsOptional()
  @IsString()
  @Length(1, 200)
  overrideToken?: string;
}

const VERDICTS = ['accept', 'reject'] as const;

/** One change decided: its kind, its key (as in the run's diff sample) and the verdict. */
export class ChangeDecisionDto {
  /** `user-removals` (key: username), `moves` and `renames` (key: the person's stable key), `group-removals` and `emptied-departments` (key: group_no). */
  @ApiProperty({ enum: CHANGE_KINDS })
  @IsIn(CHANGE_KINDS)
  kind: ChangeKind;

  @IsString()
  @Length(1, 255)
  key: string;

  @ApiProperty({ enum: VERDICTS })
  @IsIn(VERDICTS)
  decision: Verdict;
}

/**
 * A decision change by change and kind by kind. A change takes its own verdict if named in
 * `changes`, else its kind's in `kinds`; changes covered by neither are rejected (they keep their
 * published version). The people of an emptied department follow the department's verdict when
 * it is decided (unless named themselves). People and departments added, and fields changed, are
 * not held: they are always published.
 */
export class DecideRunDto {
  /** Verdicts per kind of change. */
  @ApiProperty({
    required: false,
    example: { renames: 'accept', 'user-removals': 'reject' },
    additionalProperties: { type: 'string', enum: [...VERDICTS] },
    description: `Keys: ${CHANGE_KINDS.join(', ')}.`,
  })
  @IsOptional()
  @IsObject()
  @ValidateBy({
    name: 'kindDecisions',
    validator: {
      validate: (value: unknown) =>
        typeof value === 'object' &&
        value !== null &&
        Object.entries(value as Record<string, unknown>).every(
          ([k, v]) => (CHANGE_KINDS as readonly string[]).includes(k) && (v === 'accept' || v === 'reject'),
        ),
      defaultMessage: () => `kinds must map ${CHANGE_KINDS.join(', ')} to "accept" or "reject"`,
    },
  })
  kinds?: Partial<Record<ChangeKind, Verdict>>;

  /** Verdicts change by change (they win over their kind's). */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100_000)
  @ValidateNested({ each: true })
  @Type(() => ChangeDecisionDto)
  changes?: ChangeDecisionDto[];

  /** Why (required; kept on the run and in the audit trail). */
  @IsString()
  @Length(1, 2000)
  note: string;

  /** A single-use override token: this approval publishes alone, even when four-eyes asks for two. */
  @IsOptional()
  @IsString()
  @Length(1, 200)
  overrideToken?: string;
}

export class CreateOverrideTokenDto {
  /** How long the token is valid, in minutes (at most OVERRIDE_TOKEN_MAX_MINUTES, 60). */
  @ApiProperty({ required: false, default: OVERRIDE_TOKEN_MAX_MINUTES, minimum: 1, maximum: OVERRIDE_TOKEN_MAX_MINUTES })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(OVERRIDE_TOKEN_MAX_MINUTES)
  expiresInMinutes?: number;
}

/** A new override token, shown this once (only its SHA-256 digest is kept). */
export class OverrideTokenDto {
  runId: number;
  /** The token's number in the audit trail. */
  overrideId: number;
  /** Present it as `overrideToken` on one approval of this run. */
  token: string;
  expiresAt: string;
}

export class RejectRunDto {
  /** Why (kept in the audit trail). */
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  note?: string;
}

export class RunSummaryDto {
  id: number;
  @ApiProperty({ enum: RUN_STATUSES })
  status: string;
  @ApiProperty({ enum: ['schedule', 'startup', 'manual', 'proxy', 'approval'] })
  trigger: string;
  dryRun: boolean;
  requestedBy: string | null;
  /** The source read (never a secret). */
  source: string;
  startedAt: string;
  finishedAt: string | null;
  /** The snapshot this run produced or found current. */
  snapshotId: number | null;
  /** The snapshot published when the run started; the diff is against it. */
  baseSnapshotId: number | null;
  /** Milliseconds per phase (read, load, check, diff, write, publish, total). */
  @ApiProperty({ type: 'object', additionalProperties: { type: 'number' } })
  phases: Record<string, number>;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'number' } })
  counts: Record<string, number>;
  findingCount: number;
  @ApiProperty({ type: 'object', nullable: true, additionalProperties: true })
  diffSummary: RunDiff['summary'] | null;
  @ApiProperty({ type: 'array', nullable: true, items: { type: 'object' } })
  holdReasons: HoldReason[] | null;
  error: string | null;
  /**
   * Why a failed run failed: `source` (read or checks), `deadline`, `shutdown` (cancelled by a
   * graceful stop), `interrupted` (its process died; found at the next start or lock take-over),
   * `lock-lost`, `error`. Null unless failed.
   */
  @ApiProperty({ enum: RUN_FAILURE_REASONS, nullable: true })
  failureReason: RunFailureReason | null;
  decidedBy: string | null;
  decidedAt: string | null;
}

export class ReadCountDto {
  done: number;
  /** How many the source announced; null while unknown. */
  @ApiProperty({ type: 'integer', nullable: true })
  expected: number | null;
}

export class RunItemsDto {
  departments: ReadCountDto;
  employees: ReadCountDto;
  /** Pages of the upstream (the directory's `/page-orgs` and `/view` pages; a file is one page). */
  pages: ReadCountDto;
}

export class RunProgressDto {
  /** The phase in progress (`read` includes the mapping, `diff` the guard); `done` once the run ended. */
  @ApiProperty({ enum: RUN_PHASES })
  phase: string;
  items: RunItemsDto;
  elapsedMs: number;
  /** From the items done and expected of the read; null when unknown (other phases, or no item yet). */
  @ApiProperty({ type: 'integer', nullable: true })
  estimatedRemainingMs: number | null;
  updatedAt: string;
}

export class RunDetailDto extends RunSummaryDto {
  /** Where the run stands while it runs, its last value once it ended; null for runs recorded before progress was kept. */
  @ApiProperty({ type: RunProgressDto, nullable: true })
  progress: RunProgress | null;
  /** Data-quality findings (the first 5,000; `findingCount` counts all). */
  @ApiProperty({ type: 'array', items: { type: 'object' } })
  findings: Finding[];
  /** The diff against the published snapshot, with a bounded sample of each kind of change (renames complete). */
  @ApiProperty({ type: 'object', nullable: true, additionalProperties: true })
  diff: RunDiff | null;
  @ApiProperty({ type: 'object', nullable: true, additionalProperties: true })
  decision: SyncRun['decision'];
  /**
   * The approvals received: with four-eyes (GUARD_FOUR_EYES_USER_REMOVALS), the first one
   * (who, when, why, what it decides) while the run waits for a second from another client.
   */
  @ApiProperty({ type: 'array', nullable: true, items: { type: 'object' } })
  approvals: RunApproval[] | null;
}

export class RunPageDto {
  items: RunSummaryDto[];
  total: number;
  offset: number;
  limit: number;
}

export class SnapshotDto {
  id: number;
  runId: number | null;
  /** The snapshot it was written after (its delta base). */
  parentId: number | null;
  createdAt: string;
  userCount: number;
  groupCount: number;
  /** Version rows written for it: grows with the change, not the organisation. */
  changedRows: number;
  /** First time it was published, if ever. */
  publishedAt: string | null;
  /** Whether `/sync` serves it now. */
  published: boolean;
  note: string | null;
}

export class SnapshotPageDto {
  items: SnapshotDto[];
  total: number;
  offset: number;
  limit: number;
}

/** The answer of a republish (rollback). */
export class RepublishedDto {
  /** The snapshot `/sync` serves from now on. */
  snapshotId: number;
  /** The snapshot it served before; null if none was published. */
  previous: number | null;
}

export class ChangeCountsDto {
  added: number;
  removed: number;
  changed: number;
}

export class DiffSummaryDto {
  users: ChangeCountsDto;
  groups: ChangeCountsDto;
  /** People whose username changed (same directory id). */
  renames: number;
  /** People whose default department changed. */
  moves: number;
}

/**
 * A page of a diff between two snapshots: the counts of the whole diff (`summary`), those matching
 * `q` (`matched`), and for each kind asked (`kinds`) its changes `offset` to `offset + limit`
 * among those matching, in the diff's lists (people in stable-number order, departments by
 * number); the lists of kinds not asked are empty.
 */
export class SnapshotDiffDto {
  /** The older side: `against`, or the snapshot's parent (for a run: the snapshot published when it started); null when there is none. */
  from: number | null;
  to: number;
  /** Every change counted, whatever the page and the search. */
  summary: DiffSummaryDto;
  /** The changes matching `q`, by kind (the same as `summary` without `q`): the totals to page through. */
  matched: DiffSummaryDto;
  /** The kinds listed in `diff` (all of them when `kind` is not given). */
  @ApiProperty({ enum: DIFF_KINDS, isArray: true })
  kinds: DiffKind[];
  offset: number;
  limit: number;
  @ApiProperty({ type: 'string', nullable: true })
  q: string | null;
  /**
   * The page: users and departments added, changed (`fields` before and after) and removed,
   * renames (`key`, `from`, `to`) and moves (`key`, `username`, `from`, `to`). A person is named
   * by `key` (stable) and `username`, a department by `group_no`.
   */
  @ApiProperty({ type: 'object', additionalProperties: true })
  diff: Diff;
}

/** A page of a run's diff. */
export class RunDiffDto extends SnapshotDiffDto {
  runId: number;
}

/** `kind` as a list: repeated (`kind=a&kind=b`), comma-separated (`kind=a,b`) or both. */
const toKinds = ({ value }: { value: unknown }): unknown =>
  value === undefined
    ? undefined
    : (Array.isArray(value) ? (value as unknown[]) : [value]).flatMap((v): unknown[] => (typeof v === 'string' ? v.split(',').map((k) => k.trim()) : [v]));

/** Which changes of a diff, and which slice of each. */
export class DiffPageQueryDto {
  /**
   * Kinds of change to list, repeated or comma-separated (`kind=users.removed,renames`); each is
   * paged on its own. Default: all eight, each with its first `limit` changes.
   */
  @ApiProperty({ required: false, enum: DIFF_KINDS, isArray: true })
  @IsOptional()
  @Transform(toKinds)
  @ArrayMaxSize(DIFF_KINDS.length)
  @IsIn(DIFF_KINDS, { each: true, message: `kind must be one of ${DIFF_KINDS.join(', ')}` })
  kind?: DiffKind[];

  /** Changes of each kind to skip (among those matching `q`). */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  offset?: number = 0;

  /** Changes of each kind to list (1 to 1000). */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number = 100;

  /**
   * Only the changes of people whose username, name (`nick_name`) or email contains this
   * (case-insensitive, before or after the change); for departments, their code or name.
   */
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  q?: string;
}

/** The page a diff query asks for (defaults filled in). */
export function toDiffPageRequest(query: DiffPageQueryDto): DiffPageRequest {
  return { kinds: query.kind ?? DIFF_KINDS, offset: query.offset ?? 0, limit: query.limit ?? 100, q: query.q ?? null };
}

/** A diff page answered with the page it is (`kinds`, `offset`, `limit`, `q`). */
export function toDiffPageDto<T extends Omit<SnapshotDiffDto, 'kinds' | 'offset' | 'limit' | 'q'>>(
  page: DiffPageRequest,
  diff: T,
): T & Pick<SnapshotDiffDto, 'kinds' | 'offset' | 'limit' | 'q'> {
  return { ...diff, kinds: [...page.kinds], offset: page.offset, limit: page.limit, q: page.q ?? null };
}

export class DiffQueryDto extends DiffPageQueryDto {
  /** The snapshot to compare with (the older side); default: the snapshot's parent. */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  against?: number;
}

export class SyncStatusDto {
  publishedSnapshotId: number | null;
  publishedAt: string | null;
  /** Size of the uncompressed `/sync` answer. */
  payloadBytes: number | null;
  /** When OMFLOW last pulled `/sync`, which client and which snapshot it received. */
  lastPullAt: string | null;
  lastPullClient: string | null;
  lastPullSnapshotId: number | null;
  /** When the last run that published or found nothing new ended. */
  lastSuccessAt: string | null;
  /** A run is in progress on this instance. */
  running: boolean;
  heldRuns: number;
}

export function toRunSummary(run: SyncRun): RunSummaryDto {
  return {
    id: run.id,
    status: run.status,
    trigger: run.trigger,
    dryRun: run.dryRun,
    requestedBy: run.requestedBy,
    source: run.source,
    startedAt: run.startedAt.toISOString(),
    finishedAt: run.finishedAt?.toISOString() ?? null,
    snapshotId: run.snapshotId,
    baseSnapshotId: run.baseSnapshotId,
    phases: run.phases,
    counts: run.counts,
    findingCount: run.findingCount,
    diffSummary: run.diff?.summary ?? null,
    holdReasons: run.holdReasons,
    error: run.error,
    failureReason: run.failureReason ?? null,
    decidedBy: run.decidedBy,
    decidedAt: run.decidedAt?.toISOString() ?? null,
  };
}

export function toRunDetail(run: SyncRun): RunDetailDto {
  return {
    ...toRunSummary(run),
    progress: run.progress ?? null,
    findings: run.findings,
    diff: run.diff,
    decision: run.decision,
    approvals: run.approvals ?? null,
  };
}
