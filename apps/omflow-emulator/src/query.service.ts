import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import {
  columnMap,
  GROUP_QUERY_COLUMNS,
  ID_COLUMN,
  parseGroupSelection,
  parseListQuery,
  USER_QUERY_COLUMNS,
  type ListQuery,
  type QueryColumn,
  type QueryCondition,
  type QueryFilter,
  type QueryValue,
} from '#app/omflow-contract';
import { basicCredentials } from '#app/common';
import { collationCompare, collationContains, collationKey } from './collation.js';
import type { OmGroup, OmUser } from './model.js';
import type { OmflowEmulatorOptions } from './options.js';
import { OmflowStore } from './store.js';
import { OMFLOW_EMULATOR_OPTIONS } from './tokens.js';

type Value = string | number | boolean | Date | null;
type Row = Record<string, Value>;

const USERS = columnMap(USER_QUERY_COLUMNS);
const GROUPS = columnMap(GROUP_QUERY_COLUMNS);

/** OmUser's `frequency` default (omuser/models.py: `default=5`); the other constants are the contract's. */
const USER_CONSTANTS: Record<string, Value> = {
  ...Object.fromEntries(USER_QUERY_COLUMNS.filter((c) => 'constant' in c).map((c) => [c.name, (c as { constant: { value: Value } }).constant.value])),
  frequency: 5,
};

function userRow(u: OmUser): Row {
  return {
    ...USER_CONSTANTS,
    id: u.id,
    last_login: u.last_login ? new Date(u.last_login) : null,
    username: u.username,
    is_active: u.is_active,
    email: u.email,
    nick_name: u.nick_name,
    gender: u.gender,
    phone1: u.phone1,
    phone2: u.phone2,
    extension_no: u.extension_no,
    company: u.company,
    updatetime: new Date(u.updatetime),
    delete: u.delete,
    default_group: u.default_group,
    ad_no: u.ad_no,
  };
}

function groupRow(g: OmGroup): Row {
  return { id: g.id, group_no: g.group_no, display_name: g.display_name, parent_group_id: g.parent_group_id, description: g.description };
}

function compare(column: QueryColumn, a: Value, b: QueryValue | Value): number {
  if (column.type === 'text') return collationCompare(String(a), String(b));
  const x = a instanceof Date ? a.getTime() : Number(a);
  const y = b instanceof Date ? b.getTime() : Number(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** SQL's three-valued answer of one condition: null when the row's value is NULL. */
function test(c: QueryCondition, row: Row): boolean | null {
  const value = row[c.column.name] ?? null;
  if (c.op === 'is-null') return value === null;
  if (value === null) return null;
  switch (c.op) {
    case '=':
      return compare(c.column, value, c.values[0]) === 0;
    case '>':
      return compare(c.column, value, c.values[0]) > 0;
    case '<':
      return compare(c.column, value, c.values[0]) < 0;
    case 'in':
      return c.values.some((v) => compare(c.column, value, v) === 0);
    case 'contains':
      return collationContains(String(value), String(c.values[0]));
  }
}

/** A filter's three-valued answer; `exclude` keeps the rows its filter does not match for sure, as Django's exclude() does. */
function matches(filter: QueryFilter, row: Row): boolean | null {
  if ('all' in filter) {
    let unknown = false;
    for (const f of filter.all) {
      const r = matches(f, row);
      if (r === false) return false;
      if (r === null) unknown = true;
    }
    return unknown ? null : true;
  }
  if ('exclude' in filter) return matches(filter.exclude, row) !== true;
  return test(filter, row);
}

/** The rows a list query answers, over `rows`: filtered, ordered (NULLs first ascending, as MySQL), sliced, projected. */
export function evaluate(query: ListQuery, rows: Row[]): Record<string, Value>[] {
  const kept = rows.filter((row) => matches(query.filter, row) === true);
  kept.sort((a, b) => {
    for (const { column, descending } of query.order) {
      const x = a[column.name] ?? null;
      const y = b[column.name] ?? null;
      let r: number;
      if (x === null || y === null) r = x === y ? 0 : x === null ? -1 : 1;
      else r = compare(column, x, y);
      if (r !== 0) return descending ? -r : r;
    }
    return 0;
  });
  return kept.slice(query.start, Math.max(query.start, query.limit)).map((row) => Object.fromEntries(query.columns.map((c) => [c.name, row[c.name] ?? null])));
}

/** One list-by-group member, as OMFLOW answers it. */
export interface GroupMember {
  user: number;
  user__nick_name: string;
  user__username: string;
  user__ad_no: string;
}

/** How a security code request or use went wrong (the envelope's 403). */
export class SecurityCodeError extends Error {}

/**
 * OMFLOW's user query API over the emulator's own store (seeds/001): the request is parsed and
 * checked by the bridge's own parser (libs/omflow-contract), the answer computed here. Security
 * codes live in memory, as OMFLOW keeps them (GlobalObject): one per API user, the same code
 * while it lives, expiring after OMFLOW_EMULATOR_SECURITY_TTL_SECONDS without use.
 */
@Injectable()
export class QueryService {
  private readonly codes = new Map<string, { username: string; used: number }>();
  private readonly byUser = new Map<string, string>();

  constructor(
    private readonly store: OmflowStore,
    @Inject(OMFLOW_EMULATOR_OPTIONS) private readonly options: OmflowEmulatorOptions,
  ) {}

  private alive(used: number): boolean {
    return this.options.clock() < used + this.options.securityTtlSeconds * 1000;
  }

  /** A security code for the API user's HTTP Basic credentials (getSecurityAjax). */
  issueCode(authorization: string | undefined): string {
    const credentials = basicCredentials(authorization);
    if (!credentials || credentials.user !== this.options.apiUser || credentials.password !== this.options.apiPassword) {
      throw new SecurityCodeError('User does not exist or is not enabled.');
    }
    const now = this.options.clock();
    const current = this.byUser.get(credentials.user);
    const entry = current ? this.codes.get(current) : undefined;
    if (current && entry && this.alive(entry.used)) {
      entry.used = now;
      return current;
    }
    if (current) this.codes.delete(current);
    const code = randomUUID();
    this.codes.set(code, { username: credentials.user, used: now });
    this.byUser.set(credentials.user, code);
    return code;
  }

  /** The gate of every `/rest/...` call (OMFLOW's restapi view): `omflow_restapi`, then a live code, renewed by the use. */
  checkGate(body: Record<string, unknown>): void {
    if (!pythonTruthy(body.omflow_restapi)) throw new SecurityCodeError('Missing parameter: omflow_restapi');
    const entry = typeof body.security === 'string' ? this.codes.get(body.security) : undefined;
    if (!entry) throw new SecurityCodeError('Security code error: check the security code or get a new one.');
    if (!this.alive(entry.used)) throw new SecurityCodeError('Security code expired: get a new security code.');
    entry.used = this.options.clock();
  }

  users(body: Record<string, unknown>): Record<string, Value>[] {
    const query = parseListQuery(body, USERS, ID_COLUMN);
    return evaluate(query, [...this.store.state.users.values()].map(userRow));
  }

  groups(body: Record<string, unknown>): Record<string, Value>[] {
    const query = parseListQuery(body, GROUPS, ID_COLUMN);
    return evaluate(query, [...this.store.state.groups.values()].map(groupRow));
  }

  /** Members of the departments named by code or by name, keyed by code; unknown ones are left out. */
  usersByGroup(body: Record<string, unknown>): Record<string, GroupMember[]> {
    const { by, keys } = parseGroupSelection(body);
    const wanted = new Set(keys.map(collationKey));
    const state = this.store.state;
    const result: Record<string, GroupMember[]> = {};
    const groups = [...state.groups.values()].sort((a, b) => a.id - b.id);
    for (const group of groups) {
      if (!wanted.has(collationKey(by === 'code' ? group.group_no : group.display_name))) continue;
      const members = [...(state.members.get(group.id) ?? [])]
        .map((id) => state.users.get(id))
        .filter((u): u is OmUser => u !== undefined)
        .sort((a, b) => a.id - b.id);
      result[group.group_no] = members.map((u) => ({ user: u.id, user__nick_name: u.nick_name, user__username: u.username, user__ad_no: u.ad_no }));
    }
    return result;
  }
}

/** Python's truth value of a JSON value (OMFLOW tests `if omflow_restapi:`): "0" is true, 0, "", [] and {} are not. */
export function pythonTruthy(value: unknown): boolean {
  if (value === undefined || value === null || value === false || value === 0 || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return true;
}
