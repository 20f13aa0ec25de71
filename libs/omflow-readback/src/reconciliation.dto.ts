import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsOptional } from 'class-validator';
import type { ReconciliationRow } from './reconciliation.repository.js';

const toBoolean = ({ value }: { value: unknown }): unknown => (value === 'true' ? true : value === 'false' ? false : value);

const OUTCOMES = ['running', 'in-sync', 'drifted', 'not-pulled', 'failed'] as const;
const TRIGGERS = ['manual', 'schedule', 'after-pull'] as const;
const ERROR_CODES = ['unreachable', 'timeout', 'http', 'malformed', 'auth', 'refused', 'cancelled', 'snapshot-gone', 'interrupted', 'internal'] as const;

export class RunReconciliationQueryDto {
  /**
   * `true`: answer when the comparison ends (200 with its result), the blocking form for scripts.
   * Otherwise it is answered at once (202, `Location` of the comparison) and goes on in the background.
   */
  @ApiProperty({ required: false, type: 'boolean', default: false })
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean()
  wait?: boolean;
}

/** One field that differs. */
export class FieldDriftDto {
  field: string;
  /** What the snapshot OMFLOW pulled says. */
  @ApiProperty({ type: 'string', nullable: true })
  expected: string | null;
  /** What OMFLOW holds. */
  @ApiProperty({ type: 'string', nullable: true })
  actual: string | null;
}

export class UserSampleDto {
  username: string;
}

export class OmflowUserSampleDto {
  username: string;
  /** The user's number in OMFLOW. */
  omflowId: number;
}

export class DriftedUserSampleDto extends OmflowUserSampleDto {
  @ApiProperty({ type: [FieldDriftDto] })
  fields: FieldDriftDto[];
}

export class DepartmentSampleDto {
  groupNo: string;
  @ApiProperty({ type: 'string', nullable: true })
  displayName: string | null;
}

export class OmflowDepartmentSampleDto extends DepartmentSampleDto {
  omflowId: number;
}

export class DriftedDepartmentSampleDto {
  groupNo: string;
  omflowId: number;
  @ApiProperty({ type: [FieldDriftDto] })
  fields: FieldDriftDto[];
}

export class KindCountsDto {
  /** In the snapshot OMFLOW pulled. */
  snapshot: number;
  /** In OMFLOW (users flagged `delete` not counted). */
  omflow: number;
  /** In the snapshot, not in OMFLOW. */
  missing: number;
  /** In OMFLOW, not in the snapshot. */
  unexpected: number;
  /** In both, with at least one field that differs. */
  drifted: number;
  /** Of the drifted, how many differ in each field. */
  @ApiProperty({ type: 'object', additionalProperties: { type: 'integer' }, example: { nick_name: 2, default_group: 1 } })
  driftByField: Record<string, number>;
}

export class UserCountsDto extends KindCountsDto {
  /** Users OMFLOW keeps flagged `delete`. */
  omflowDeleted: number;
}

export class ReconciliationCountsDto {
  users: UserCountsDto;
  departments: KindCountsDto;
}

/** At most RECONCILE_SAMPLES of each kind of difference. */
export class ReconciliationSamplesDto {
  @ApiProperty({ type: [UserSampleDto] })
  missingUsers: UserSampleDto[];
  @ApiProperty({ type: [OmflowUserSampleDto] })
  unexpectedUsers: OmflowUserSampleDto[];
  @ApiProperty({ type: [DriftedUserSampleDto] })
  driftedUsers: DriftedUserSampleDto[];
  @ApiProperty({ type: [DepartmentSampleDto] })
  missingDepartments: DepartmentSampleDto[];
  @ApiProperty({ type: [OmflowDepartmentSampleDto] })
  unexpectedDepartments: OmflowDepartmentSampleDto[];
  @ApiProperty({ type: [DriftedDepartmentSampleDto] })
  driftedDepartments: DriftedDepartmentSampleDto[];
}

/** Which snapshot was compared. */
export class ComparedSnapshotDto {
  /** The snapshot OMFLOW last pulled, compared with what OMFLOW holds (null: OMFLOW never pulled). */
  @ApiProperty({ type: 'integer', nullable: true })
  id: number | null;
  /** The snapshot /sync serves. */
  @ApiProperty({ type: 'integer', nullable: true })
  publishedId: number | null;
  /** When OMFLOW last pulled /sync. */
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true })
  pulledAt: string | null;
  /** The published snapshot is newer than the one OMFLOW pulled and has waited longer than OMFLOW_PULL_STALE_SECONDS. */
  behind: boolean;
}

export class ReconciliationErrorDto {
  @ApiProperty({ enum: ERROR_CODES })
  code: string;
  message: string;
}

/** One comparison of what OMFLOW holds with the snapshot it last pulled. */
export class ReconciliationDto {
  id: number;
  @ApiProperty({ enum: OUTCOMES })
  outcome: string;
  /** True only when the comparison ended and found no difference, and OMFLOW pulled the published snapshot (or not for long). */
  inSync: boolean;
  @ApiProperty({ enum: TRIGGERS })
  trigger: string;
  /** The API client that asked for it (manual comparisons). */
  @ApiProperty({ type: 'string', nullable: true })
  requestedBy: string | null;
  /** The instance that ran it. */
  instance: string;
  snapshot: ComparedSnapshotDto;
  /** OMFLOW's address (without credentials). */
  @ApiProperty({ type: 'string', nullable: true })
  omflow: string | null;
  @ApiProperty({ type: 'string', format: 'date-time' })
  startedAt: string;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true })
  finishedAt: string | null;
  @ApiProperty({ type: 'integer', nullable: true })
  durationMs: number | null;
  /** Why it is not in sync, in words (empty when in sync or not ended). */
  @ApiProperty({ type: [String] })
  reasons: string[];
  /** Null unless the comparison ran to its end. */
  @ApiProperty({ type: ReconciliationCountsDto, nullable: true })
  counts: ReconciliationCountsDto | null;
  @ApiProperty({ type: ReconciliationSamplesDto, nullable: true })
  samples: ReconciliationSamplesDto | null;
  /** Why the comparison failed (outcome `failed`). */
  @ApiProperty({ type: ReconciliationErrorDto, nullable: true })
  error: ReconciliationErrorDto | null;
}

/** The last comparison, and the one running now. */
export class LastReconciliationDto extends ReconciliationDto {
  /** The id of a comparison running now (on any instance), if any. */
  @ApiProperty({ type: 'integer', nullable: true })
  runningId: number | null;
}

export function toReconciliationDto(row: ReconciliationRow): ReconciliationDto {
  return {
    id: row.id,
    outcome: row.outcome,
    inSync: row.inSync,
    trigger: row.trigger,
    requestedBy: row.requestedBy,
    instance: row.instance,
    snapshot: {
      id: row.snapshotId,
      publishedId: row.publishedSnapshotId,
      pulledAt: row.pulledAt?.toISOString() ?? null,
      behind: row.result?.behind ?? false,
    },
    omflow: row.result?.omflow ?? null,
    startedAt: row.startedAt.toISOString(),
    finishedAt: row.finishedAt?.toISOString() ?? null,
    durationMs: row.durationMs,
    reasons: row.result?.reasons ?? [],
    counts: row.result?.counts ?? null,
    samples: row.result?.samples ?? null,
    error: row.errorCode ? { code: row.errorCode, message: row.error ?? '' } : null,
  };
}
