/** The OMFLOW user fields of `/sync`'s `user_info_list` (seeds/000). */
export const USER_FIELDS = ['username', 'email', 'nick_name', 'ad_no', 'company', 'phone1', 'phone2', 'extension_no', 'gender'] as const;
export type UserField = (typeof USER_FIELDS)[number];

/** One employee as OMFLOW will see it, plus what the bridge needs to track it. */
export interface UserRecord {
  /** Stable directory identity (WorkPlus `user_id`, else the employee `id`); never shown to OMFLOW. */
  key: string;
  /** The directory's employee id (for reports and the proxy). */
  sourceId: string;
  username: string;
  email: string | null;
  nick_name: string | null;
  ad_no: string | null;
  company: string | null;
  phone1: string | null;
  phone2: string | null;
  extension_no: string | null;
  gender: string | null;
  /** Department codes the person holds a position in; the primary (default) department first. */
  groups: string[];
}

/** One department as OMFLOW will see it (`group_info_list`, without `user_list`, which is derived). */
export interface GroupRecord {
  group_no: string;
  display_name: string;
  parent_group_no: string | null;
}

/** A data-quality or mapping problem with one record, and what was done about it. */
export interface Finding {
  kind: FindingKind;
  record: { type: 'user' | 'department'; key: string; label?: string };
  field?: string;
  reason: string;
  action: 'quarantined' | 'kept-published' | 'fallback' | 'truncated' | 'blanked' | 'dropped-membership' | 'excluded';
}

export type FindingKind =
  | 'mapping-error'
  | 'missing-username'
  | 'duplicate-username'
  | 'missing-email'
  | 'invalid-email'
  | 'duplicate-email'
  | 'duplicate-group'
  | 'missing-parent'
  | 'cycle'
  | 'unknown-member'
  | 'too-long'
  | 'invalid-gender';
