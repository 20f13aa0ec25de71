/**
 * The fixed lists of columns the OMFLOW query API knows. Requests name columns; only these
 * entries ever reach SQL (their `sql` expressions are written here, never taken from a request).
 */
export type ColumnType = 'number' | 'text' | 'date' | 'bool';

export interface ColumnSpec {
  name: string;
  type: ColumnType;
  /** SQL expression over the row alias `u` (users) or `d` (departments). */
  sql: string;
  /** A constant the directory does not have (searchable, but the same for every row). */
  constant?: boolean;
}

/** Alias `u` is the users' source: the published `person` view, or a past snapshot's rows. */
export const USER_COLUMNS: readonly ColumnSpec[] = [
  { name: 'id', type: 'number', sql: 'u.id' },
  // OMFLOW's hashed password: never returned.
  { name: 'password', type: 'text', sql: 'NULL', constant: true },
  { name: 'last_login', type: 'date', sql: 'u.last_login' },
  { name: 'is_superuser', type: 'bool', sql: '0', constant: true },
  { name: 'username', type: 'text', sql: 'u.username' },
  // The directory gives one display name (nick_name); Django's first/last name stay empty, as OMFLOW's own synced users have them.
  { name: 'first_name', type: 'text', sql: "''", constant: true },
  { name: 'last_name', type: 'text', sql: "''", constant: true },
  { name: 'is_active', type: 'bool', sql: "(CASE WHEN u.state = 'active' THEN 1 ELSE 0 END)" },
  { name: 'email', type: 'text', sql: 'u.email' },
  { name: 'nick_name', type: 'text', sql: 'u.nick_name' },
  { name: 'birthday', type: 'date', sql: 'NULL', constant: true },
  { name: 'gender', type: 'text', sql: 'u.gender' },
  { name: 'phone1', type: 'text', sql: 'u.phone1' },
  { name: 'phone2', type: 'text', sql: 'u.phone2' },
  { name: 'extension_no', type: 'text', sql: 'u.extension_no' },
  { name: 'company', type: 'text', sql: 'u.company' },
  // Users come from Custom HR, not from AD.
  { name: 'ad_flag', type: 'bool', sql: '0', constant: true },
  { name: 'ad_sid', type: 'text', sql: 'NULL', constant: true },
  // OMFLOW's default front-end refresh frequency (seconds) for a new user.
  { name: 'frequency', type: 'number', sql: '10', constant: true },
  { name: 'updatetime', type: 'date', sql: 'u.updated_at' },
  { name: 'delete', type: 'bool', sql: "(CASE WHEN u.state = 'deleted' THEN 1 ELSE 0 END)" },
  { name: 'default_group', type: 'text', sql: 'u.default_group' },
  { name: 'ad_no', type: 'text', sql: 'u.ad_no' },
];

/** Alias `d` is `department`; `p` its parent (LEFT JOIN). */
export const GROUP_COLUMNS: readonly ColumnSpec[] = [
  { name: 'id', type: 'number', sql: 'd.id' },
  { name: 'group_no', type: 'text', sql: 'd.group_no' },
  { name: 'display_name', type: 'text', sql: 'd.display_name' },
  { name: 'parent_group_id', type: 'number', sql: 'p.id' },
  // The directory has no department descriptions.
  { name: 'description', type: 'text', sql: "''", constant: true },
];

export function columnMap(columns: readonly ColumnSpec[]): ReadonlyMap<string, ColumnSpec> {
  return new Map(columns.map((c) => [c.name, c]));
}
