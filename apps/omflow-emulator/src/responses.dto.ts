import { ApiProperty } from '@nestjs/swagger';

/** Records of one kind a pull changed, left alone or failed. */
export class ChangeCountsDto {
  added: number;
  modified: number;
  deleted: number;
  failed: number;
  unchanged: number;
}

/** A record OMFLOW could not apply, and why. */
export class RecordFailureDto {
  @ApiProperty({ enum: ['user', 'group'] })
  type: 'user' | 'group';
  /** The username or group_no as the answer gave it (`user_info_list[i]` for a record without one). */
  key: string;
  @ApiProperty({ example: "nick_name has 51 characters; OMFLOW's column holds 50 (Data too long for column 'nick_name')" })
  reason: string;
}

export class ChangedKeysDto {
  added: string[];
  modified: string[];
  deleted: string[];
}

export class PullChangesDto {
  users: ChangedKeysDto;
  groups: ChangedKeysDto;
}

/** One pull of `/sync` and what it did. */
export class PullDto {
  id: number;
  @ApiProperty({ enum: ['schedule', 'manual', 'start'] })
  trigger: string;
  started_at: string;
  finished_at: string;
  /** `applied`: every record; `partial`: some records failed; `failed`: nothing applied. */
  @ApiProperty({ enum: ['applied', 'partial', 'failed'] })
  outcome: string;
  /** Why the whole pull failed. */
  @ApiProperty({ type: String, nullable: true })
  error: string | null;
  @ApiProperty({ type: Number, nullable: true })
  http_status: number | null;
  /** The bridge's `X-Snapshot-Id`. */
  @ApiProperty({ type: Number, nullable: true })
  snapshot_id: number | null;
  users: ChangeCountsDto;
  groups: ChangeCountsDto;
  /** Changed usernames and codes (at most 1,000 each). */
  changes: PullChangesDto;
  /** Failed records (at most 1,000; the counts are complete). */
  @ApiProperty({ type: [RecordFailureDto] })
  failures: RecordFailureDto[];
}

/** A user as OMFLOW holds it, with the codes of its departments. */
export class UserViewDto {
  id: number;
  username: string;
  email: string;
  nick_name: string;
  ad_no: string;
  company: string;
  phone1: string;
  phone2: string;
  extension_no: string;
  gender: string;
  is_active: boolean;
  delete: boolean;
  @ApiProperty({ type: String, nullable: true })
  default_group: string | null;
  @ApiProperty({ type: String, nullable: true })
  last_login: string | null;
  updatetime: string;
  groups: string[];
}

/** A department as OMFLOW holds it. */
export class GroupViewDto {
  id: number;
  group_no: string;
  display_name: string;
  @ApiProperty({ type: Number, nullable: true })
  parent_group_id: number | null;
  @ApiProperty({ type: String, nullable: true })
  parent_group_no: string | null;
  description: string;
  updatetime: string;
  /** Member usernames. */
  members: string[];
}

/** The simulated failure waiting for the next pull. */
export class ApplyFaultViewDto {
  whole: boolean;
  users: string[];
  groups: string[];
}

export class PausedDto {
  paused: boolean;
}

export class StateDto {
  hr_url: string;
  pull_seconds: number;
  paused: boolean;
  /** A pull is running. */
  pulling: boolean;
  @ApiProperty({ enum: ['soft', 'hard'] })
  delete_mode: string;
  /** Live users. */
  users: number;
  deleted_users: number;
  groups: number;
  fault: ApplyFaultViewDto;
  @ApiProperty({ type: PullDto, nullable: true })
  last_pull: PullDto | null;
}

/** OMFLOW's answer envelope (ResponseAjax): always HTTP 200. */
export class OmflowEnvelopeDto {
  @ApiProperty({ enum: [200, 403, 404, 500] })
  status: number;
  message: string;
  @ApiProperty({ description: 'The answer: rows, `{security}`, members by code, or null on an error', nullable: true })
  result: unknown;
}
