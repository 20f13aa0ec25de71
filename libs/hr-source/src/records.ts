import type { OmflowGroupFields, OmflowUserFields } from '#app/omflow-contract';

/** One employee as OMFLOW will see it (the contract's fields), plus what the bridge needs to track it. */
export interface UserRecord extends OmflowUserFields {
  /** Stable directory identity (WorkPlus `user_id`, else the employee `id`); never shown to OMFLOW. */
  key: string;
  /** The directory's employee id (for reports and the proxy). */
  sourceId: string;
  /** Department codes the person holds a position in; the primary (default) department first. */
  groups: string[];
}

/** One department as OMFLOW will see it (`group_info_list`, without `user_list`, which is derived). */
export type GroupRecord = OmflowGroupFields;

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
