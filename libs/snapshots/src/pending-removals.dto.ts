import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Length, MaxLength, MinLength } from 'class-validator';
import { OffsetPageQueryDto } from '#app/common';
import { REMOVAL_STATUSES, type PendingRemoval, type RemovalStatus } from './deletion-grace.js';
import type { Expedited } from './pending-removals.service.js';

export class ListPendingRemovalsQueryDto extends OffsetPageQueryDto {
  /** `pending`: in the window; `due`: the window has passed (the next run drops them); `cancelled`: kept published by an operator. */
  @ApiProperty({ enum: REMOVAL_STATUSES, required: false })
  @IsOptional()
  @IsIn(REMOVAL_STATUSES)
  status?: RemovalStatus;
}

export class PendingRemovalKeyParamDto {
  /** The person's stable key (the directory's id), as the run's diff and this list name them. */
  @IsString()
  @Length(1, 191)
  key: string;
}

export class RemovalDecisionDto {
  /** Why (kept in the audit trail with who decided). */
  @IsString()
  @MinLength(1)
  @MaxLength(2000)
  note: string;
}

/** A person missing from the directory whose removal from `/sync` waits out the grace window (or was cancelled). */
export class PendingRemovalDto {
  key: string;
  username: string;
  @ApiProperty({ enum: REMOVAL_STATUSES })
  status: RemovalStatus;
  /** When a run first found them missing. */
  missingSince: string;
  /** When their window ends: the first run after it removes them from `/sync` (subject to the usual guard). */
  dueAt: string;
  /** The run that found them missing. */
  @ApiProperty({ type: 'integer', nullable: true })
  runId: number | null;
  /** Who cancelled the removal, when and why (cancelled removals). */
  @ApiProperty({ type: 'string', nullable: true })
  decidedBy: string | null;
  @ApiProperty({ type: 'string', nullable: true })
  decidedAt: string | null;
  @ApiProperty({ type: 'string', nullable: true })
  note: string | null;
}

export class PendingRemovalPageDto {
  items: PendingRemovalDto[];
  total: number;
  offset: number;
  limit: number;
}

/** The answer of an expedite: the removal decided, and the snapshot `/sync` serves from now on (without the person). */
export class ExpeditedRemovalDto {
  removal: PendingRemovalDto;
  snapshotId: number;
  /** The snapshot served before. */
  @ApiProperty({ type: 'integer', nullable: true })
  previousSnapshotId: number | null;
}

export function toPendingRemoval(row: PendingRemoval): PendingRemovalDto {
  return {
    key: row.key,
    username: row.username,
    status: row.status,
    missingSince: row.missingSince.toISOString(),
    dueAt: row.dueAt.toISOString(),
    runId: row.runId,
    decidedBy: row.decidedBy,
    decidedAt: row.decidedAt?.toISOString() ?? null,
    note: row.note,
  };
}

export function toExpedited(result: Expedited, note: string, actor: string | null): ExpeditedRemovalDto {
  return {
    removal: { ...toPendingRemoval(result.removal), note, decidedBy: actor },
    snapshotId: result.snapshotId,
    previousSnapshotId: result.previousSnapshotId,
  };
}
