/** What the emulator holds: OMFLOW's users (omuser.OmUser) and departments (omuser.OmGroup), as far as Custom HR fills them. */

export interface OmUser {
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
  /** OMFLOW's soft delete (`delete` column). */
  delete: boolean;
  /** group_no of the user's default department: the first department of the answer listing the user. */
  default_group: string | null;
  /** ISO instants. */
  last_login: string | null;
  updatetime: string;
}

export interface OmGroup {
  id: number;
  group_no: string;
  display_name: string;
  parent_group_id: number | null;
  description: string;
  updatetime: string;
}

/** The whole state, as the apply works on it. */
export interface OmState {
  users: Map<number, OmUser>;
  groups: Map<number, OmGroup>;
  /** Group id → member user ids. */
  members: Map<number, Set<number>>;
  nextUserId: number;
  nextGroupId: number;
}

/** The text fields of a user that `/sync` fills (seeds/000 `user_info_list`): the contract's user fields. */
export { USER_FIELDS as SYNCED_USER_FIELDS, type UserField as SyncedUserField } from '#app/omflow-contract';

export interface RecordFailure {
  type: 'user' | 'group';
  /** The username or group_no as the answer gave it. */
  key: string;
  reason: string;
}

export interface ChangeCounts {
  added: number;
  modified: number;
  deleted: number;
  failed: number;
  unchanged: number;
}

export type PullTrigger = 'schedule' | 'manual' | 'start';
/** `applied`: every record; `partial`: some records failed; `failed`: nothing applied. */
export type PullOutcome = 'applied' | 'partial' | 'failed';

export interface PullRecord {
  id: number;
  trigger: PullTrigger;
  started_at: string;
  finished_at: string;
  outcome: PullOutcome;
  /** Why the whole pull failed (unreachable, an HTTP error, `{"status":"fail"}`, a malformed answer, a simulated failure). */
  error: string | null;
  http_status: number | null;
  /** The bridge's `X-Snapshot-Id` header, when it sent one. */
  snapshot_id: number | null;
  users: ChangeCounts;
  groups: ChangeCounts;
  /** Usernames and group codes changed by this pull, each list at most FAILURE_SAMPLE long. */
  changes: { users: { added: string[]; modified: string[]; deleted: string[] }; groups: { added: string[]; modified: string[]; deleted: string[] } };
  /** The failed records with their reasons (at most FAILURE_SAMPLE; the counts are complete). */
  failures: RecordFailure[];
}

/** Most failed records and changed keys kept per pull. */
export const FAILURE_SAMPLE = 1000;

/** How a user missing from `/sync` is deleted: `soft` (OMFLOW's deleteUserAjax) or `hard` (the row removed). */
export type DeleteMode = 'soft' | 'hard';
