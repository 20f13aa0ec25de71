import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';
import type { ActorKind } from '#app/common';
import type { AuditEvent } from './audit-event.entity.js';
import { toEventJson } from './audit-export.js';
import type { AuditFilter, AuditOrder } from './audit-reader.service.js';
import { ACTOR_KINDS, AUDIT_OUTCOMES, type AuditOutcome } from './audit.types.js';

const ORDERS: readonly AuditOrder[] = ['newest', 'oldest'];

/** Filters shared by the list and the export. */
export class AuditFilterQueryDto {
  /** Events at or after this time (ISO 8601, e.g. `2026-01-31T00:00:00Z`). */
  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;

  /** Events before this time (ISO 8601, exclusive). */
  @IsOptional()
  @IsISO8601({ strict: true })
  to?: string;

  /** Kind of actor. */
  @ApiProperty({ enum: ACTOR_KINDS, required: false })
  @IsOptional()
  @IsIn(ACTOR_KINDS)
  actorKind?: ActorKind;

  /** Actor id: the client id, or the user name for logins. */
  @IsOptional()
  @IsString()
  @Length(1, 128)
  actorId?: string;

  /** An exact action (`sync.published`) or every action under a prefix (`sync.*`). */
  @ApiProperty({ required: false, example: 'access.client.*' })
  @IsOptional()
  @Matches(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*(\.\*)?$/, { message: 'action must be a dotted name such as sync.published, or a prefix such as sync.*' })
  @Length(1, 129)
  action?: string;

  /** Type of the target (`api_client`, `employee`, `snapshot`...). */
  @IsOptional()
  @IsString()
  @Length(1, 64)
  targetType?: string;

  /** Id of the target. */
  @IsOptional()
  @IsString()
  @Length(1, 255)
  targetId?: string;

  @ApiProperty({ enum: AUDIT_OUTCOMES, required: false })
  @IsOptional()
  @IsIn(AUDIT_OUTCOMES)
  outcome?: AuditOutcome;

  /** Text to find anywhere in the details (case-insensitive). */
  @IsOptional()
  @IsString()
  @Length(1, 200)
  q?: string;
}

export class ListAuditEventsQueryDto extends AuditFilterQueryDto {
  /** `newest` first (default) or `oldest` first. */
  @ApiProperty({ enum: ORDERS, required: false, default: 'newest' })
  @IsOptional()
  @IsIn(ORDERS)
  order?: AuditOrder = 'newest';

  /** The `nextCursor` of the previous page (a sequence number). */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  cursor?: number;

  /** Events per page (1 to 500). */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number = 50;
}

export class ExportAuditQueryDto extends AuditFilterQueryDto {
  /** `ndjson` (one JSON event per line, default) or `csv`. */
  @ApiProperty({ enum: ['ndjson', 'csv'], required: false, default: 'ndjson' })
  @IsOptional()
  @IsIn(['ndjson', 'csv'])
  format?: 'ndjson' | 'csv' = 'ndjson';

  /** `oldest` first (default) or `newest` first. */
  @ApiProperty({ enum: ORDERS, required: false, default: 'oldest' })
  @IsOptional()
  @IsIn(ORDERS)
  order?: AuditOrder = 'oldest';
}

export class AuditSeqParamDto {
  /** Sequence number of the event. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  seq: number;
}

export class VerifyAuditQueryDto {
  /** First sequence to check (default: the first event kept after retention). */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  fromSeq?: number;

  /** Last sequence to check (default: the head of the chain). */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  toSeq?: number;
}

export class RunRetentionDto {
  /** Archive and remove events older than this many days (default: AUDIT_RETENTION_DAYS). */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(36500)
  olderThanDays?: number;
}

export class AuditActorDto {
  @ApiProperty({ enum: ACTOR_KINDS })
  kind: string;
  /** Client id, user name, or null for the system. */
  id: string | null;
}

export class AuditTargetDto {
  /** What was acted upon: `api_client`, `employee`, `snapshot`... */
  type: string;
  id: string | null;
}

export class AuditEventDto {
  /** Position in the chain; also the pagination cursor. */
  seq: number;
  /** When it happened (UTC, ms). */
  time: string;
  actor: AuditActorDto;
  /** Stable dotted name, e.g. `access.client.revoked`. */
  action: string;
  target: AuditTargetDto | null;
  @ApiProperty({ enum: AUDIT_OUTCOMES })
  outcome: string;
  /** The request the event belongs to (also in the logs and the `x-request-id` header). */
  requestId: string | null;
  sourceIp: string | null;
  /** What happened, with secrets redacted; for a change, `before` and `after`. */
  @ApiProperty({ type: 'object', additionalProperties: true })
  details: Record<string, unknown>;
  /** Hash of the previous event (64 zeros for the first). */
  prevHash: string;
  /** SHA-256 of this event's content and `prevHash`. */
  hash: string;
}

export class AuditEventPageDto {
  items: AuditEventDto[];
  /** Cursor of the next page, or null when this is the last. */
  nextCursor: number | null;
}

export class ChainPointDto {
  seq: number;
  hash: string;
}

export class BrokenLinkDto {
  /** The first sequence at which the chain does not hold. */
  seq: number;
  @ApiProperty({ enum: ['missing', 'prev-hash-mismatch', 'hash-mismatch', 'head-mismatch'] })
  reason: string;
  message: string;
}

export class VerifyReportDto {
  /** True when every checked event is intact and linked. */
  ok: boolean;
  fromSeq: number;
  toSeq: number;
  /** Events checked. */
  checked: number;
  /** The last event removed by retention, which the remaining chain starts from; null if none was removed. */
  anchor: ChainPointDto | null;
  /** The head of the chain (keep it outside the database to detect a rewritten chain). */
  head: ChainPointDto;
  firstBroken: BrokenLinkDto | null;
}

export class RetentionResultDto {
  archived: number;
  fromSeq: number | null;
  toSeq: number | null;
  /** Archive file in AUDIT_ARCHIVE_DIR. */
  file: string | null;
  anchor: ChainPointDto | null;
}

export function toAuditEventResponse(e: AuditEvent): AuditEventDto {
  return toEventJson(e);
}

export function toAuditFilter(q: AuditFilterQueryDto): AuditFilter {
  return {
    from: q.from ? new Date(q.from) : undefined,
    to: q.to ? new Date(q.to) : undefined,
    actorKind: q.actorKind,
    actorId: q.actorId,
    action: q.action,
    targetType: q.targetType,
    targetId: q.targetId,
    outcome: q.outcome,
    q: q.q,
  };
}
