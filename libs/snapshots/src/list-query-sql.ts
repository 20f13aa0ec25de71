import { toSqlDateTime } from '#app/database';
import {
  USER_FIELDS,
  type GroupConstantColumn,
  type GroupQueryColumn,
  type ListQuery,
  type QueryColumn,
  type QueryCondition,
  type QueryConstant,
  type QueryFilter,
  type QueryValue,
  type UserConstantColumn,
  type UserField,
  type UserQueryColumn,
} from '#app/omflow-contract';

/**
 * How text compares and matches on the database at hand, as OMFLOW's MySQL collation decides
 * (OMFLOW_COLLATION). MySQL/MariaDB name the collation; SQLite compares collation keys.
 */
export type TextRules =
  | {
      dialect: 'mysql';
      /** Collation named on text columns: '' where the columns' own is OMFLOW's (the published view). */
      collate: string;
      /** Collation named on text constants: '' where the connection's is OMFLOW's. */
      constants: string;
    }
  | {
      dialect: 'sqlite';
      /** The collation's sort key of a text; `=`, `<`, `>`, `in` and ordering compare keys bytewise. */
      key: (text: string) => string;
      /** The collation's LIKE fold of a text, and the SQL function giving it (contains is a substring of folds). */
      fold: (text: string) => string;
      foldFunction: string;
    };

/** Where a list's rows come from: a FROM clause ending in a WHERE condition, and its bound values. */
export interface ListSource {
  from: string;
  params: readonly unknown[];
  /** The SQL of each non-constant column over that source. */
  sql: (column: QueryColumn) => string;
  /** SQLite: the SQL of a text column's stored collation key. */
  key?: (column: QueryColumn) => string;
}

/** A list query as one statement: its SQL and bound values for the page of `size` rows from `offset`. */
export interface CompiledList {
  page: (offset: number, size: number) => { sql: string; params: unknown[] };
}

/**
 * The SQL of the user columns over the row alias `u` (the published `person` view, or a past
 * snapshot's rows under the same names). A column named after a user field reads that field's
 * column; the others are written here, and a column the contract adds must be given one.
 */
export const USER_COLUMN_SQL: Record<Exclude<UserQueryColumn, UserConstantColumn | UserField>, string> = {
  id: 'u.id',
  last_login: 'u.last_login',
  is_active: "(CASE WHEN u.state = 'active' THEN 1 ELSE 0 END)",
  updatetime: 'u.updated_at',
  delete: "(CASE WHEN u.state = 'deleted' THEN 1 ELSE 0 END)",
  default_group: 'u.default_group',
};

/** The SQL of the department columns over `d` (`department`) and `p` (its parent, LEFT JOIN). */
export const GROUP_COLUMN_SQL: Record<Exclude<GroupQueryColumn, GroupConstantColumn>, string> = {
  id: 'd.id',
  group_no: 'd.group_no',
  display_name: 'd.display_name',
  parent_group_id: 'p.id',
};

export function userColumnSql(column: QueryColumn): string {
  if ((USER_FIELDS as readonly string[]).includes(column.name)) return `u.${column.name}`;
  return (USER_COLUMN_SQL as Record<string, string>)[column.name];
}

export function groupColumnSql(column: QueryColumn): string {
  return (GROUP_COLUMN_SQL as Record<string, string>)[column.name];
}

/** The stored collation key of a user text column (SQLite; `<column>_key` beside it). */
export function userKeySql(column: QueryColumn): string {
  return `u.${column.name}_key`;
}

/** The stored collation key of a department text column (SQLite). */
export function groupKeySql(column: QueryColumn): string {
  return `d.${column.name}_key`;
}

/** A constant as an SQL literal (constants come from the contract, never from a request). */
function literal(value: QueryConstant): string {
  if (value === null) return 'NULL';
  if (typeof value === 'boolean') return value ? '1' : '0';
  if (typeof value === 'number') return String(value);
  return `'${value.replaceAll("'", "''")}'`;
}

/** A value as the drivers bind it: true/false as 1/0, instants as stored (UTC text). */
function bound(value: QueryValue): unknown {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value instanceof Date) return toSqlDateTime(value);
  return value;
}

function likePattern(value: string): string {
  return `%${value.replace(/[!%_]/g, (c) => `!${c}`)}%`;
}

/**
 * Compiles `query` over `source` into one statement. Its SQL is made only of the source, the
 * column SQL and fixed clauses; every value of the request is a bound parameter.
 */
export function compileList(query: ListQuery, source: ListSource, text: TextRules): CompiledList {
  const expr = (column: QueryColumn): string => {
    if (column.constant) {
      const sql = literal(column.constant.value);
      return text.dialect === 'mysql' && text.constants && typeof column.constant.value === 'string' ? `${sql} COLLATE ${text.constants}` : sql;
    }
    const sql = source.sql(column);
    return column.type === 'text' && text.dialect === 'mysql' && text.collate ? `${sql} COLLATE ${text.collate}` : sql;
  };
  /** SQLite text compares by collation key: the column's stored key, or a constant's decided here. */
  const sqliteText = (column: QueryColumn): Extract<TextRules, { dialect: 'sqlite' }> | null =>
    text.dialect === 'sqlite' && column.type === 'text' && !(column.constant && column.constant.value === null) ? text : null;
  const params: unknown[] = [];
  const condition = (c: QueryCondition): string => {
    const sql = expr(c.column);
    const keyed = c.op === 'is-null' ? null : sqliteText(c.column);
    if (keyed && c.op !== 'is-null') {
      const constant = c.column.constant?.value;
      const values = c.values.map(String);
      if (typeof constant === 'string') return constantMatches(keyed, constant, c.op, values) ? '1 = 1' : '1 = 0';
      const key = source.key!(c.column);
      switch (c.op) {
        case '=':
        case '>':
        case '<':
          params.push(keyed.key(values[0]));
          return `${key} ${c.op} ?`;
        case 'in':
          if (!values.length) return '1 = 0';
          for (const value of values) params.push(keyed.key(value));
          return `${key} IN (${values.map(() => '?').join(', ')})`;
        case 'contains':
          params.push(keyed.fold(values[0]));
          return `instr(${keyed.foldFunction}(${sql}), ?) > 0`;
      }
    }
    switch (c.op) {
      case 'is-null':
        return `${sql} IS NULL`;
      case '=':
      case '>':
      case '<':
        params.push(bound(c.values[0]));
        return `${sql} ${c.op} ?`;
      case 'in':
        // Django: `in []` matches nothing.
        if (!c.values.length) return '1 = 0';
        for (const value of c.values) params.push(bound(value));
        return `${sql} IN (${c.values.map(() => '?').join(', ')})`;
      case 'contains':
        // Case-insensitive (OMFLOW maps it to icontains): the collation's LIKE. (SQLite: above.)
        params.push(likePattern(String(c.values[0])));
        return `${sql} LIKE ? ESCAPE '!'`;
    }
  };
  const filter = (f: QueryFilter): string => {
    if ('all' in f) return f.all.length ? f.all.map((part) => `(${filter(part)})`).join(' AND ') : '1 = 1';
    // NULL (unknown) counts as "not matched": the row stays, as with Django's exclude().
    if ('exclude' in f) return `NOT COALESCE((${filter(f.exclude)}), 0)`;
    return condition(f);
  };
  const where = filter(query.filter);
  const select = query.columns.map((c, i) => `${expr(c)} AS c${i}`).join(', ');
  const order = query.order
    .map((o) => `${sqliteText(o.column) && !o.column.constant ? source.key!(o.column) : expr(o.column)} ${o.descending ? 'DESC' : 'ASC'}`)
    .join(', ');
  const head = `SELECT ${select} FROM ${source.from} AND (${where}) ORDER BY ${order}`;
  const values = [...source.params, ...params];
  if (text.dialect === 'sqlite') {
    // SQLite (3.53 here) reads a bound LIMIT's value while it plans, and marks the statement to be
    // compiled again whenever that parameter is bound again: every page then paid a whole prepare
    // (a lookup by username: 33 µs with `LIMIT ? OFFSET ?`, 8 µs with the numbers written in). Page
    // bounds are integers the query parser checked; written into the SQL, the compiled statement is
    // reused by every request of the same shape (DirectSql keeps it).
    return { page: (offset, size) => ({ sql: `${head} LIMIT ${rowCount(size)} OFFSET ${rowCount(offset)}`, params: values }) };
  }
  return { page: (offset, size) => ({ sql: `${head} LIMIT ? OFFSET ?`, params: [...values, size, offset] }) };
}

/** A page bound written into SQL: only ever a non-negative integer. */
function rowCount(n: number): string {
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`A page bound must be a non-negative integer (got ${n})`);
  return String(n);
}

/** A condition on a text constant, decided by the collation (SQLite). */
function constantMatches(rules: Extract<TextRules, { dialect: 'sqlite' }>, constant: string, op: QueryCondition['op'], values: string[]): boolean {
  const key = rules.key(constant);
  switch (op) {
    case '=':
      return key === rules.key(values[0]);
    case '>':
      return key > rules.key(values[0]);
    case '<':
      return key < rules.key(values[0]);
    case 'in':
      return values.some((v) => rules.key(v) === key);
    case 'contains':
      return rules.fold(constant).includes(rules.fold(values[0]));
    case 'is-null':
      return false;
  }
}
