/**
 * The columns of OMFLOW's query API (seeds/001) as OMFLOW's models describe them: `user/list/`
 * over omuser's user, `group/list/` over its groups. Requests name columns; only these names
 * are accepted. Where the directory has no value, the column answers a constant (searchable,
 * never sorted on). How each column is read from the bridge's tables is libs/snapshots' affair.
 */
export type QueryColumnType = 'number' | 'text' | 'date' | 'bool';

export type QueryConstant = string | number | boolean | null;

export interface QueryColumn {
  readonly name: string;
  readonly type: QueryColumnType;
  /** The value of every row, for a column the directory does not fill. */
  readonly constant?: { readonly value: QueryConstant };
}

/** `user/list/`: the fields of the seed, in its order (an empty `search_columns` answers all of them). */
export const USER_QUERY_COLUMNS = [
  { name: 'id', type: 'number' },
  // OMFLOW's hashed password: never returned.
  { name: 'password', type: 'text', constant: { value: null } },
  { name: 'last_login', type: 'date' },
  { name: 'is_superuser', type: 'bool', constant: { value: false } },
  { name: 'username', type: 'text' },
  // The directory gives one display name (nick_name); Django's first/last name stay empty, as OMFLOW's own synced users have them.
  { name: 'first_name', type: 'text', constant: { value: '' } },
  { name: 'last_name', type: 'text', constant: { value: '' } },
  { name: 'is_active', type: 'bool' },
  { name: 'email', type: 'text' },
  { name: 'nick_name', type: 'text' },
  { name: 'birthday', type: 'date', constant: { value: null } },
  { name: 'gender', type: 'text' },
  { name: 'phone1', type: 'text' },
  { name: 'phone2', type: 'text' },
  { name: 'extension_no', type: 'text' },
  { name: 'company', type: 'text' },
  // Users come from Custom HR, not from AD.
  { name: 'ad_flag', type: 'bool', constant: { value: false } },
  { name: 'ad_sid', type: 'text', constant: { value: null } },
  // OMFLOW's default front-end refresh frequency (seconds) for a new user.
  { name: 'frequency', type: 'number', constant: { value: 10 } },
  { name: 'updatetime', type: 'date' },
  { name: 'delete', type: 'bool' },
  { name: 'default_group', type: 'text' },
  { name: 'ad_no', type: 'text' },
] as const satisfies readonly QueryColumn[];

/** `group/list/`: `{id, group_no, display_name, parent_group_id, description}`. */
export const GROUP_QUERY_COLUMNS = [
  { name: 'id', type: 'number' },
  { name: 'group_no', type: 'text' },
  { name: 'display_name', type: 'text' },
  { name: 'parent_group_id', type: 'number' },
  // The directory has no department descriptions.
  { name: 'description', type: 'text', constant: { value: '' } },
] as const satisfies readonly QueryColumn[];

export type UserQueryColumn = (typeof USER_QUERY_COLUMNS)[number]['name'];
export type GroupQueryColumn = (typeof GROUP_QUERY_COLUMNS)[number]['name'];

type ConstantName<C> = C extends { name: infer N; constant: unknown } ? N : never;
/** The columns that answer a constant. */
export type UserConstantColumn = ConstantName<(typeof USER_QUERY_COLUMNS)[number]>;
export type GroupConstantColumn = ConstantName<(typeof GROUP_QUERY_COLUMNS)[number]>;

/** The column that orders ties and identifies rows, in both lists. */
export const ID_COLUMN = 'id';

export function columnMap(columns: readonly QueryColumn[]): ReadonlyMap<string, QueryColumn> {
  return new Map(columns.map((c) => [c.name, c]));
}
