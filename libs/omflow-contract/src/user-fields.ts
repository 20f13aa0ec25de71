/**
 * The user and department fields of OMFLOW's Custom HR contract (seeds/000): what `/sync`
 * answers in `user_info_list` and `group_info_list`. Adding a user field is done here (and in
 * a migration adding its columns): the records, checks, diff, hash, storage and renderer all
 * follow this list.
 */
export const USER_FIELDS = ['username', 'email', 'nick_name', 'ad_no', 'company', 'phone1', 'phone2', 'extension_no', 'gender'] as const;
export type UserField = (typeof USER_FIELDS)[number];

/** A user's OMFLOW fields as the bridge holds them: `username` always, the others null when empty. */
export type OmflowUserFields = { username: string } & { [F in Exclude<UserField, 'username'>]: string | null };

/** A department's OMFLOW fields (`group_info_list` without `user_list`, which memberships give). */
export interface OmflowGroupFields {
  group_no: string;
  display_name: string;
  parent_group_no: string | null;
}

/** The department fields that can change (`group_no` is the department's identity). */
export const GROUP_FIELDS = ['display_name', 'parent_group_no'] as const;

/** The values OMFLOW's `gender` column takes. */
export const GENDERS = ['male', 'female'] as const;
