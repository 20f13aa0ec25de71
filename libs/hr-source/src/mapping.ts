import { USER_FIELDS, type UserField } from '#app/omflow-contract';
import { TRANSFORMS, type Condition, type FieldRule, type Transform } from './mapping-rules.js';

export * from './mapping-rules.js';

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
