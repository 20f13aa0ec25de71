import type { UserRecord } from '#app/hr-source';
import { USER_FIELDS, type UserField } from '#app/omflow-contract';

/**
 * The columns that hold a user's values, in `user_version` and in the published `person` alike:
 * the contract's fields, then what the bridge tracks (memberships, default department, source id).
 */
export const STORED_USER_COLUMNS = [...USER_FIELDS, 'groups_json', 'default_group', 'source_id'] as const;

/** A user's values as stored (both databases answer text columns as strings). */
export type StoredUser = { [F in UserField]: string | null } & { groups_json: string; default_group: string | null; source_id: string };

/** The bound values of STORED_USER_COLUMNS for `user`, in order. */
export function storedValues(user: UserRecord): unknown[] {
  return [...USER_FIELDS.map((f) => user[f]), JSON.stringify(user.groups), user.groups[0] ?? null, user.sourceId];
}

/** The record of a stored row (its properties in the order the mapping gives them). */
export function userOfRow(row: StoredUser, key: string): UserRecord {
  const user = { key, sourceId: String(row.source_id) } as UserRecord;
  for (const field of USER_FIELDS) (user as Record<UserField, string | null>)[field] = row[field] ?? null;
  user.username = String(row.username);
  user.groups = JSON.parse(row.groups_json) as string[];
  return user;
}
