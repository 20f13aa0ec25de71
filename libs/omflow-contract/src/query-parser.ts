import { AppError, ErrorCode } from '#app/common';
import type { ListQuery, QueryCondition, QueryFilter, QueryOrder, QueryValue } from './list-query.js';
import type { QueryColumn } from './query-columns.js';

export const DEFAULT_LIMIT = 100;
/** Longest `in` list: keeps statements well inside both databases' bound-parameter limits. */
export const MAX_IN_VALUES = 5000;
/**
 * Longest text value of a condition, in characters. OMFLOW's longest column (`username`) holds
 * 150; a bound keeps every value far inside both databases' limits (SQLite refuses LIKE
 * patterns over 50,000 bytes).
 */
export const MAX_VALUE_LENGTH = 1000;
/** Most departments one list-by-group request may name. */
export const MAX_GROUPS = 1000;
export const OPERATORS = ['=', '>', '<', 'in', 'contains'] as const;
type Operator = (typeof OPERATORS)[number];

const DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/** A bad query: the envelope answers 404 "Query failed: <message>". */
export function queryFailed(message: string): AppError {
  return new AppError(ErrorCode.ValidationFailed, message);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'string'
    ? `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`
    : typeof value === 'object'
      ? 'an object'
      : typeof value === 'number' || typeof value === 'boolean'
        ? `${typeof value} ${value}`
        : typeof value;
}

function quoteName(name: unknown): string {
  const text = typeof name === 'string' ? name : (JSON.stringify(name) ?? String(name));
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text);
}

/** `yyyy-mm-dd[Thh:mm[:ss[.ffffff]]][Z|±hh:mm]` as an instant (UTC unless a zone is given; ms). */
export function parseDate(value: string): Date | null {
  const m = DATE.exec(value);
  if (!m) return null;
  const [, y, mo, d, h = '00', mi = '00', s = '00', frac = '0', zone = 'Z'] = m;
  const iso = `${y}-${mo}-${d}T${h}:${mi}:${s}.${frac.padEnd(3, '0').slice(0, 3)}${zone === 'Z' ? 'Z' : zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone}`;
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return null;
  // Reject 2026-02-31 and the like, which Date would roll over.
  if (zone === 'Z' && date.toISOString().slice(0, 10) !== `${y}-${mo}-${d}`) return null;
  return date;
}

/** A text value within MAX_VALUE_LENGTH, or an error naming where it is. */
export function boundedText(value: string, where: string): string {
  if (value.length > MAX_VALUE_LENGTH) throw queryFailed(`${where}: a value may have at most ${MAX_VALUE_LENGTH} characters (got ${value.length})`);
  return value;
}

/** Python's int() of a string: optional blanks and sign, digits with single underscores between them. */
const PYTHON_INT = /^\s*[+-]?\d+(?:_\d+)*\s*$/;
/** BooleanField.to_python's strings. */
const TRUE_TEXT = ['t', 'True', '1'];
const FALSE_TEXT = ['f', 'False', '0'];

/**
 * One value for a column of `spec`'s type, as Django's field takes it (OMFLOW runs Django 2.2:
 * `get_prep_value` / `to_python`), or an error naming the column and the value:
 * - integer columns: `int(value)`: integers, numeric strings ("3", " -3 ", "1_000"), true/false
 *   (1/0) and floats, truncated (`<` rounds up, as Django's IntegerFieldFloatRounding);
 * - text columns: `str(value)`: strings, numbers ("3") and true/false ("True"/"False");
 * - true/false columns: true/false, 1/0, and the strings "t", "True", "1", "f", "False", "0"
 *   (Django refuses "true", "yes"...);
 * - dates: "yyyy-mm-dd[Thh:mm[:ss[.ffffff]]][zone]".
 * Arrays and objects are refused everywhere (Django would compare their Python repr as text).
 */
function typedValue(spec: QueryColumn, value: unknown, where: string, op: Operator = '='): QueryValue {
  if (typeof value === 'string') boundedText(value, where);
  switch (spec.type) {
    case 'number': {
      if (typeof value === 'boolean') return value ? 1 : 0;
      const n = typeof value === 'string' && PYTHON_INT.test(value) ? Number(value.replace(/_/g, '')) : typeof value === 'number' ? value : NaN;
      if (Number.isFinite(n)) {
        const int = op === '<' ? Math.ceil(n) : Math.trunc(n);
        if (Number.isSafeInteger(int)) return int;
      }
      throw queryFailed(`${where}: column "${spec.name}" takes a number, not ${describe(value)}`);
    }
    case 'text':
      if (typeof value === 'string') return value;
      if (typeof value === 'number' && Number.isFinite(value)) return String(value);
      if (typeof value === 'boolean') return value ? 'True' : 'False';
      throw queryFailed(`${where}: column "${spec.name}" takes a string, not ${describe(value)}`);
    case 'bool':
      if (typeof value === 'boolean') return value;
      if (value === 0 || value === 1) return value === 1;
      if (typeof value === 'string' && TRUE_TEXT.includes(value)) return true;
      if (typeof value === 'string' && FALSE_TEXT.includes(value)) return false;
      throw queryFailed(`${where}: column "${spec.name}" takes true or false (or 1, 0, "t", "f", "True", "False", "1", "0"), not ${describe(value)}`);
    case 'date': {
      const parsed = typeof value === 'string' ? parseDate(value) : null;
      if (parsed !== null) return parsed;
      throw queryFailed(`${where}: column "${spec.name}" takes a date or date-time such as "2026-01-31" or "2026-01-31T08:00:00Z", not ${describe(value)}`);
    }
  }
}

function condition(raw: unknown, where: string, columns: ReadonlyMap<string, QueryColumn>): QueryCondition {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw queryFailed(`${where} must be an object {"column", "condition", "value"}, not ${describe(raw)}`);
  const record = raw as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (key !== 'column' && key !== 'condition' && key !== 'value')
      throw queryFailed(`${where} has an unknown key ${quoteName(key)} (expected "column", "condition", "value")`);
  }
  if (!('column' in record)) throw queryFailed(`${where} has no "column"`);
  if (!('condition' in record)) throw queryFailed(`${where} has no "condition"`);
  if (!('value' in record)) throw queryFailed(`${where} has no "value"`);
  const column = typeof record.column === 'string' ? columns.get(record.column) : undefined;
  if (!column) throw queryFailed(`${where}: unknown column ${quoteName(record.column)}; known columns: ${[...columns.keys()].join(', ')}`);
  const op = record.condition;
  if (typeof op !== 'string' || !(OPERATORS as readonly string[]).includes(op)) {
    throw queryFailed(`${where}: unknown condition ${quoteName(op)}; use one of ${OPERATORS.map((o) => `"${o}"`).join(', ')}`);
  }
  const value = record.value;
  switch (op as Operator) {
    case '=':
      if (value === null) return { column, op: 'is-null', values: [] };
      return { column, op: '=', values: [typedValue(column, value, where)] };
    case '>':
    case '<':
      // Django compares true/false columns too (False < True).
      return { column, op: op as '>' | '<', values: [typedValue(column, value, where, op as Operator)] };
    case 'in': {
      if (!Array.isArray(value)) throw queryFailed(`${where}: condition "in" takes an array of values, not ${describe(value)}`);
      if (value.length > MAX_IN_VALUES) throw queryFailed(`${where}: "in" takes at most ${MAX_IN_VALUES} values (got ${value.length})`);
      // Django leaves a null out of `in` (it equals nothing); only nulls: matches nothing.
      const values: QueryValue[] = [];
      value.forEach((item, i) => {
        if (item !== null) values.push(typedValue(column, item, `${where}.value[${i}]`));
      });
      return { column, op: 'in', values };
    }
    case 'contains':
      if (column.type !== 'text') throw queryFailed(`${where}: condition "contains" applies to text columns only, not to "${column.name}"`);
      if (value === null || typeof value === 'object') throw queryFailed(`${where}: condition "contains" takes a string, not ${describe(value)}`);
      return { column, op: 'contains', values: [typedValue(column, value, where)] };
  }
}

function list(body: Record<string, unknown>, key: string): unknown[] {
  const value = body[key];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw queryFailed(`"${key}" must be an array, not ${describe(value)}`);
  return value;
}

function integer(body: Record<string, unknown>, key: string, def: number | null): number | null {
  const raw = body[key];
  if (raw === undefined || raw === null || raw === '') return def;
  const value = typeof raw === 'string' && /^-?\d+$/.test(raw.trim()) ? Number(raw.trim()) : raw;
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw queryFailed(`"${key}" must be an integer, not ${describe(raw)}`);
  if (value < 0) throw queryFailed(`"${key}" must not be negative (got ${value}); negative indexing is not supported`);
  return value;
}

/**
 * Parses a list request over `columns` with OMFLOW's semantics: search conditions ANDed;
 * rows matching ALL exclude conditions removed (Django `exclude(c1 & c2)`, NULLs kept as Django
 * keeps them); `order_columns` default `["id"]`, `-col` descending, `id` as the final tie-break
 * (constants never sort); `start`/`limit` as Django's `[start:limit]`. Throws a coded error that
 * names what is wrong.
 */
export function parseListQuery(body: Record<string, unknown>, columns: ReadonlyMap<string, QueryColumn>, idColumn: string): ListQuery {
  const search = list(body, 'search_conditions').map((c, i) => condition(c, `search_conditions[${i}]`, columns));
  const exclude = list(body, 'exclude_conditions').map((c, i) => condition(c, `exclude_conditions[${i}]`, columns));
  const filter: QueryFilter = { all: exclude.length ? [...search, { exclude: { all: exclude } }] : search };

  const selected: QueryColumn[] = [];
  for (const [i, name] of list(body, 'search_columns').entries()) {
    const column = typeof name === 'string' ? columns.get(name) : undefined;
    if (!column) throw queryFailed(`search_columns[${i}]: unknown column ${quoteName(name)}; known columns: ${[...columns.keys()].join(', ')}`);
    if (!selected.includes(column)) selected.push(column);
  }

  const order: QueryOrder[] = [];
  const requested = list(body, 'order_columns');
  for (const [i, raw] of (requested.length ? requested : [idColumn]).entries()) {
    const descending = typeof raw === 'string' && raw.startsWith('-');
    const name = typeof raw === 'string' ? (descending ? raw.slice(1) : raw) : raw;
    const column = typeof name === 'string' ? columns.get(name) : undefined;
    if (!column)
      throw queryFailed(`order_columns[${i}]: unknown column ${quoteName(raw)}; known columns: ${[...columns.keys()].join(', ')} (prefix "-" for descending)`);
    if (column.constant || order.some((o) => o.column === column)) continue;
    order.push({ column, descending });
  }
  const id = columns.get(idColumn)!;
  if (!order.some((o) => o.column === id)) order.push({ column: id, descending: false });

  return {
    columns: selected.length ? selected : [...columns.values()],
    filter,
    order,
    start: integer(body, 'start', 0)!,
    limit: integer(body, 'limit', DEFAULT_LIMIT)!,
    snapshot: snapshotOf(body),
  };
}

/** The optional past snapshot to query (null: the published one). */
export function snapshotOf(body: Record<string, unknown>): number | null {
  return integer(body, 'snapshot', null);
}

/** The departments a list-by-group request names: by code (`org_no`) or by name (`org_name`), each once. */
export interface GroupSelection {
  by: 'code' | 'name';
  keys: string[];
}

function stringList(body: Record<string, unknown>, key: string): string[] {
  const raw = body[key];
  if (raw === undefined || raw === null || raw === '') return [];
  const values = typeof raw === 'string' ? [raw] : raw;
  if (!Array.isArray(values) || values.some((v) => typeof v !== 'string')) throw queryFailed(`"${key}" must be an array of strings`);
  (values as string[]).forEach((v, i) => boundedText(v, `${key}[${i}]`));
  return [...new Set(values as string[])];
}

/** Parses the `org_no` / `org_name` of a list-by-group request (one of them, at most MAX_GROUPS); throws a coded error naming the problem. */
export function parseGroupSelection(body: Record<string, unknown>): GroupSelection {
  const byNo = stringList(body, 'org_no');
  const byName = stringList(body, 'org_name');
  if (byNo.length && byName.length) throw queryFailed('give "org_no" or "org_name", not both');
  const keys = byNo.length ? byNo : byName;
  if (!keys.length) throw queryFailed('"org_no" or "org_name" is required: an array of department codes or names');
  if (keys.length > MAX_GROUPS) throw queryFailed(`at most ${MAX_GROUPS} departments per request (got ${keys.length})`);
  return { by: byNo.length ? 'code' : 'name', keys };
}
