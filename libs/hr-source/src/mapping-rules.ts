import type { SourceObject } from './hr-source.js';

// The rules of a mapping and how one is applied to a record. No runtime import: the directory's
// page-mapping worker thread loads this file (and employee-mapper.ts) without the rest of the bridge.

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
export const TRANSFORMS: readonly Transform[] = ['trim', 'lower', 'upper', 'collapse-spaces', 'phone'];

export interface Condition {
  field: string;
  equals?: string | number | boolean | null;
  in?: (string | number | boolean | null)[];
  /** true: the field is present and non-empty; false: absent or empty. */
  exists?: boolean;
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
