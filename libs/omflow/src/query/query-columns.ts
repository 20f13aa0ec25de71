import { GROUP_QUERY_COLUMNS, USER_QUERY_COLUMNS, type GroupQueryColumn, type QueryColumnType, type UserQueryColumn } from '#app/omflow-contract';

/**
 * The fixed lists of columns the OMFLOW query API knows (the contract's), with their SQL.
 * Requests name columns; only these entries ever reach SQL.
 */
export interface ColumnSpec {
  name: string;
  type: QueryColumnType;
  /** SQL expression over the row alias `u` (users) or `d` (departments). */
  sql: string;
  /** A constant the directory does not have (searchable, but the same for every row). */
  constant?: boolean;
}

/** Alias `u` is the users' source: the published `person` view, or a past snapshot's rows. */
const USER_SQL: Record<UserQueryColumn, string> = {
  id: 'u.id',
  password: 'NULL',
  last_login: 'u.last_login',
  is_superuser: '0',
  username: 'u.username',
  first_name: "''",
  last_name: "''",
  is_active: "(CASE WHEN u.state = 'active' THEN 1 ELSE 0 END)",
  email: 'u.email',
  nick_name: 'u.nick_name',
  birthday: 'NULL',
  gender: 'u.gender',
  phone1: 'u.phone1',
  phone2: 'u.phone2',
  extension_no: 'u.extension_no',
  company: 'u.company',
  ad_flag: '0',
  ad_sid: 'NULL',
  frequency: '10',
  updatetime: 'u.updated_at',
  delete: "(CASE WHEN u.state = 'deleted' THEN 1 ELSE 0 END)",
  default_group: 'u.default_group',
  ad_no: 'u.ad_no',
};

/** Alias `d` is `department`; `p` its parent (LEFT JOIN). */
const GROUP_SQL: Record<GroupQueryColumn, string> = {
  id: 'd.id',
  group_no: 'd.group_no',
  display_name: 'd.display_name',
  parent_group_id: 'p.id',
  description: "''",
};

export const USER_COLUMNS: readonly ColumnSpec[] = USER_QUERY_COLUMNS.map((c) => ({
  name: c.name,
  type: c.type,
  sql: USER_SQL[c.name],
  constant: 'constant' in c,
}));
export const GROUP_COLUMNS: readonly ColumnSpec[] = GROUP_QUERY_COLUMNS.map((c) => ({
  name: c.name,
  type: c.type,
  sql: GROUP_SQL[c.name],
  constant: 'constant' in c,
}));

export function columnMap(columns: readonly ColumnSpec[]): ReadonlyMap<string, ColumnSpec> {
  return new Map(columns.map((c) => [c.name, c]));
}
