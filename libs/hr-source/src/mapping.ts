import { USER_FIELDS, type UserField } from '#app/omflow-contract';
import type { SourceObject } from './hr-source.js';

/**
 * How an employee of the directory becomes an OMFLOW user. Declarative, so that each company
 * adapts it to how its directory is filled without code: a JSON file (MAPPING_FILE) merged over
 * these defaults.
 *
 * ```json
 * { "users": { "company": { "const": "ACME Ltd" }, "phone1": { "from": ["workPhone", "tel"] } },
 *   "exclude": [{ "field": "locked", "equals": true }, { "field": "status", "in": ["DISABLED"] }] }
 * ```
 */
export interface MappingConfig {
  /** The stable identity of a person (survives renames). */
  key: FieldRule;
  users: Record<UserField, FieldRule>;
  /** Department name from the node (fields of the tree node or display node: id, name, path). */
  departmentName: FieldRule;
  /** Employees matching ANY of these are left out (not an error: resigned people, robots…). */
  exclude: Condition[];
}

export interface FieldRule {
  /** Field paths tried in order (`a.b`, `positions.0.job_title`); the first non-empty value wins. */
  from?: string[];
  /** A constant instead of a field. */
  const?: string | null;
  /** Applied in order to the chosen text. */
  transform?: Transform[];
  /** Replaces the (transformed) value by a table lookup; values not in the table become `otherwise`. */
  map?: Record<string, string | null>;
  otherwise?: string | null;
}

export type Transform = 'trim' | 'lower' | 'upper' | 'collapse-spaces' | 'phone';
const TRANSFORMS: readonly Transform[] = ['trim', 'lower', 'upper', 'collapse-spaces', 'phone'];

export interface Condition {
  field: string;
  equals?: string | number | boolean | null;
  in?: (string | number | boolean | null)[];
  /** true: the field is present and non-empty; false: absent or empty. */
  exists?: boolean;
}

/** The defaults of DESIGN.md: nick_name ← display_name/name, ad_no ← sn, phone2 ← mobile, phone1 ← tel/workPhone, gender lower-cased, locked left out. */
const USER_DEFAULTS: Partial<Record<UserField, FieldRule>> = {
  username: { from: ['username'], transform: ['trim'] },
  email: { from: ['email'], transform: ['trim', 'lower'] },
  nick_name: { from: ['display_name', 'name'], transform: ['trim', 'collapse-spaces'] },
  ad_no: { from: ['sn'], transform: ['trim'] },
  company: { from: ['root_org_info.name'], transform: ['trim'] },
  phone1: { from: ['tel', 'workPhone'], transform: ['phone'] },
  phone2: { from: ['mobile'], transform: ['phone'] },
  extension_no: { from: ['extension_no', 'extension'], transform: ['trim'] },
  gender: { from: ['gender'], transform: ['trim', 'lower'], map: { male: 'male', female: 'female' }, otherwise: null },
};

export const DEFAULT_MAPPING: MappingConfig = {
  key: { from: ['user_id', 'id'], transform: ['trim'] },
  // A field of the contract without a default of its own reads the employee field of its name.
  users: Object.fromEntries(USER_FIELDS.map((field) => [field, USER_DEFAULTS[field] ?? { from: [field], transform: ['trim'] }])) as Record<
    UserField,
    FieldRule
  >,
  departmentName: { from: ['name'], transform: ['trim', 'collapse-spaces'] },
  exclude: [{ field: 'locked', equals: true }],
};

export class MappingConfigError extends Error {
  constructor(message: string) {
    super(`Mapping configuration: ${message}`);
    this.name = 'MappingConfigError';
  }
}

/** Thrown while mapping one record; names the field and (through the caller) the employee. */
export class MappingError extends Error {
  constructor(
    readonly field: string,
    reason: string,
  ) {
    super(reason);
    this.name = 'MappingError';
  }
}

/** Merges a user mapping file over the defaults and checks its shape. */
export function resolveMapping(custom: unknown): MappingConfig {
  if (custom === undefined || custom === null) return DEFAULT_MAPPING;
  if (typeof custom !== 'object' || Array.isArray(custom)) throw new MappingConfigError('must be a JSON object');
  const input = custom as Partial<Record<keyof MappingConfig, unknown>>;
  const unknownKeys = Object.keys(input).filter((k) => !['key', 'users', 'departmentName', 'exclude'].includes(k));
  if (unknownKeys.length) throw new MappingConfigError(`unknown keys ${unknownKeys.join(', ')} (expected key, users, departmentName, exclude)`);
  const users = { ...DEFAULT_MAPPING.users };
  if (input.users !== undefined) {
    if (typeof input.users !== 'object' || input.users === null) throw new MappingConfigError('users must be an object');
    for (const [field, rule] of Object.entries(input.users)) {
      if (!(USER_FIELDS as readonly string[]).includes(field))
        throw new MappingConfigError(`users.${field} is not an OMFLOW user field (${USER_FIELDS.join(', ')})`);
      users[field as UserField] = checkRule(rule, `users.${field}`);
    }
  }
  return {
    key: input.key === undefined ? DEFAULT_MAPPING.key : checkRule(input.key, 'key'),
    users,
    departmentName: input.departmentName === undefined ? DEFAULT_MAPPING.departmentName : checkRule(input.departmentName, 'departmentName'),
    exclude: input.exclude === undefined ? DEFAULT_MAPPING.exclude : checkConditions(input.exclude),
  };
}

function checkRule(raw: unknown, where: string): FieldRule {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new MappingConfigError(`${where} must be an object with from/const/transform/map`);
  const rule = raw as Record<string, unknown>;
  const unknownKeys = Object.keys(rule).filter((k) => !['from', 'const', 'transform', 'map', 'otherwise'].includes(k));
  if (unknownKeys.length) throw new MappingConfigError(`${where} has unknown keys ${unknownKeys.join(', ')}`);
  if (rule.from !== undefined && (!Array.isArray(rule.from) || !rule.from.every((f) => typeof f === 'string' && f.length > 0))) {
    throw new MappingConfigError(`${where}.from must be an array of field paths`);
  }
  if (rule.from === undefined && !('const' in rule)) throw new MappingConfigError(`${where} needs "from" or "const"`);
  if (rule.const !== undefined && rule.const !== null && typeof rule.const !== 'string')
    throw new MappingConfigError(`${where}.const must be a string or null`);
  if (rule.transform !== undefined && (!Array.isArray(rule.transform) || !rule.transform.every((t) => TRANSFORMS.includes(t as Transform)))) {
    throw new MappingConfigError(`${where}.transform must list some of ${TRANSFORMS.join(', ')}`);
  }
  if (rule.map !== undefined && (typeof rule.map !== 'object' || rule.map === null || Array.isArray(rule.map)))
    throw new MappingConfigError(`${where}.map must be an object`);
  return rule;
}

function checkConditions(raw: unknown): Condition[] {
  if (!Array.isArray(raw)) throw new MappingConfigError('exclude must be an array of conditions');
  return raw.map((c, i) => {
    if (typeof c !== 'object' || c === null || typeof (c as Condition).field !== 'string') throw new MappingConfigError(`exclude[${i}] needs a "field"`);
    const cond = c as Condition;
    if (cond.equals === undefined && cond.in === undefined && cond.exists === undefined)
      throw new MappingConfigError(`exclude[${i}] needs equals, in or exists`);
    if (cond.in !== undefined && !Array.isArray(cond.in)) throw new MappingConfigError(`exclude[${i}].in must be an array`);
    return cond;
  });
}

/** Reads `a.b.0.c` from an object; undefined when any step is missing. */
export function readPath(source: unknown, path: string): unknown {
  let at: unknown = source;
  for (const step of path.split('.')) {
    if (at === null || at === undefined) return undefined;
    if (Array.isArray(at)) at = /^\d+$/.test(step) ? at[Number(step)] : undefined;
    else if (typeof at === 'object') at = (at as Record<string, unknown>)[step];
    else return undefined;
  }
  return at;
}

/** Applies one rule; throws MappingError when the chosen value is not text. */
export function applyRule(rule: FieldRule, source: unknown, field: string): string | null {
  let value: string | null = null;
  if (rule.from) {
    for (const path of rule.from) {
      const raw = readPath(source, path);
      if (raw === undefined || raw === null || raw === '') continue;
      if (typeof raw === 'number' || typeof raw === 'bigint') value = String(raw);
      else if (typeof raw === 'string') value = raw;
      else throw new MappingError(field, `${path} is ${Array.isArray(raw) ? 'an array' : typeof raw}, expected text`);
      break;
    }
  } else {
    value = rule.const ?? null;
  }
  if (value === null) return null;
  for (const t of rule.transform ?? []) value = transform(t, value);
  if (value === '') return null;
  if (rule.map) value = Object.prototype.hasOwnProperty.call(rule.map, value) ? (rule.map[value] ?? null) : (rule.otherwise ?? null);
  return value;
}

function transform(t: Transform, value: string): string {
  switch (t) {
    case 'trim':
      return value.trim();
    case 'lower':
      return value.toLowerCase();
    case 'upper':
      return value.toUpperCase();
    case 'collapse-spaces':
      return value.replace(/\s+/g, ' ').trim();
    case 'phone':
      // Keep what a dialler understands: digits, a leading +, extensions after # or ,
      return value.replace(/[^\d+#,]/g, '');
  }
}

export function matchesCondition(condition: Condition, source: SourceObject): boolean {
  const value = readPath(source, condition.field);
  if (condition.exists !== undefined) return (value !== undefined && value !== null && value !== '') === condition.exists;
  if (condition.equals !== undefined) return value === condition.equals;
  return condition.in?.some((v) => v === value) ?? false;
}
