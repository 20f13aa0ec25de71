import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsInt, IsISO8601, IsOptional, IsString, Length, Matches, Max, Min, ValidateIf, ValidateNested } from 'class-validator';
import type { ActorKind } from '#app/common';
import type { AuditEvent } from './audit-event.entity.js';
import { toEventJson } from './audit-export.js';
import type { AuditFilter, AuditOrder } from './audit-reader.service.js';
import { BROKEN_REASONS, DEFAULT_MAX_BROKEN } from './chain-verifier.js';
import type { Checkpoint } from './chain.js';
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

const HEX64 = /^[0-9a-f]{64}$/;
const MAX_CHECKPOINTS = 100_000;

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

  /** Most broken ranges to report (1 to 1000); `truncated` says when there were more. */
  @ApiProperty({ required: false, default: DEFAULT_MAX_BROKEN, minimum: 1, maximum: 1000 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  maxBroken?: number;
}

/** A checkpoint of the chain head, as the bridge writes it to AUDIT_CHECKPOINT_FILE and the log. */
export class CheckpointDto implements Omit<Checkpoint, 'type'> {
  @ApiProperty({ enum: ['audit-checkpoint'], required: false })
  @IsOptional()
  @IsIn(['audit-checkpoint'])
  type?: 'audit-checkpoint';

  /** The last sequence of the chain when the checkpoint was taken. */
  @IsInt()
  @Min(0)
  seq: number;

  /** Its hash. */
  @Matches(HEX64, { message: 'hash must be 64 lowercase hexadecimal digits' })
  hash: string;

  /** The retention anchor then. */
  @IsInt()
  @Min(0)
  anchorSeq: number;

  @Matches(HEX64, { message: 'anchorHash must be 64 lowercase hexadecimal digits' })
  anchorHash: string;

  /** When it was taken. */
  @IsISO8601({ strict: true })
  at: string;

  /** The key it was signed with (null: an unkeyed bridge's checkpoint). */
  @ApiProperty({ type: 'string', nullable: true })
  @ValidateIf((o: CheckpointDto) => o.keyId !== null)
  @Matches(/^[A-Za-z0-9._-]{1,32}$/, { message: 'keyId must be a key id' })
  keyId: string | null;

  /** HMAC-SHA256 of the other fields under that key. */
  @ApiProperty({ type: 'string', nullable: true })
  @ValidateIf((o: CheckpointDto) => o.mac !== null)
  @Matches(HEX64, { message: 'mac must be 64 lowercase hexadecimal digits' })
  mac: string | null;
}

export class VerifyAuditBodyDto extends VerifyAuditQueryDto {
  /** Checkpoints kept outside the bridge (copied from its checkpoint file or its log), checked besides the file's own. */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_CHECKPOINTS)
  @ValidateNested({ each: true })
  @Type(() => CheckpointDto)
  checkpoints?: CheckpointDto[];
}

export function toCheckpoints(dtos: CheckpointDto[] = []): Checkpoint[] {
  return dtos.map((c) => ({
    type: 'audit-checkpoint',
    seq: c.seq,
    hash: c.hash,
    anchorSeq: c.anchorSeq,
    anchorHash: c.anchorHash,
    at: c.at,
    keyId: c.keyId,
    mac: c.mac,
  }));
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
  /** HMAC-SHA256 under the key `keyId` (SHA-256 for unkeyed audit-v1 events) of this event's content and `prevHash`. */
  hash: string;
  /** The key that sealed the event; null for an unkeyed (audit-v1) event. */
  @ApiProperty({ type: 'string', nullable: true })
  keyId: string | null;
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
  @ApiProperty({ enum: BROKEN_REASONS })
  reason: string;
  message: string;
}

export class BrokenRangeDto {
  /** First sequence of the range (0 for a checkpoint file line that is not a checkpoint). */
  fromSeq: number;
  /** Last sequence of the range. */
  toSeq: number;
  @ApiProperty({ enum: BROKEN_REASONS })
  reason: string;
  message: string;
}

export class CheckpointCountsDto {
  /** Checkpoints read from the checkpoint file and the request. */
  read: number;
  /** Those compared with the trail. */
  checked: number;
}

export class VerifyReportDto {
  /** True when every checked event is intact and linked, and no checkpoint contradicts the trail. */
  ok: boolean;
  fromSeq: number;
  toSeq: number;
  /** Events checked. */
  checked: number;
  /** The last event removed by retention, which the remaining chain starts from; null if none was removed. */
  anchor: ChainPointDto | null;
  /** The head of the chain (the checkpoints keep it outside the database). */
  head: ChainPointDto;
  /** The key new events are sealed with; null when the bridge runs without one. */
  @ApiProperty({ type: 'string', nullable: true })
  keyId: string | null;
  /** The first broken range's first sequence (`broken[0]`), for older clients. */
  firstBroken: BrokenLinkDto | null;
  /** Every broken range in sequence order, at most `maxBroken`. */
  broken: BrokenRangeDto[];
  /** True when there were more broken ranges than reported. */
  truncated: boolean;
  checkpoints: CheckpointCountsDto;
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
