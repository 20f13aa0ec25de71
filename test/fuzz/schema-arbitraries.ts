import fc from 'fast-check';
import { hostileValue } from './hostile.js';

/** The part of JSON Schema (OpenAPI 3.0 flavour) that Nest's Swagger module emits. */
export interface Schema {
  $ref?: string;
  type?: 'string' | 'number' | 'integer' | 'boolean' | 'array' | 'object';
  enum?: unknown[];
  nullable?: boolean;
  allOf?: Schema[];
  oneOf?: Schema[];
  anyOf?: Schema[];
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  items?: Schema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  example?: unknown;
  default?: unknown;
}

export type SchemaResolver = (ref: string) => Schema;

/** Most items generated for an array, whatever the schema allows: keeps bulk calls (imports, `in` lists) cheap. */
const MAX_ITEMS = 4;
/** Longest string generated for a field without a bound of its own. */
const MAX_STRING = 40;

/**
 * Values that satisfy `schema`, with the examples of the document mixed in (an example is
 * often the only value that gets past a route's own checks). `pools` gives known-good values
 * by property name, e.g. an existing employee id.
 */
export function validValue(schema: Schema, resolve: SchemaResolver, pools: Record<string, readonly unknown[]> = {}, depth = 0): fc.Arbitrary<unknown> {
  if (schema.$ref) return validValue(resolve(schema.$ref), resolve, pools, depth);
  const base = valueOf(schema, resolve, pools, depth);
  const withExample = schema.example !== undefined && depth > 0 ? fc.oneof(base, fc.constant(schema.example)) : base;
  return schema.nullable ? fc.option(withExample, { nil: null, freq: 8 }) : withExample;
}

function valueOf(schema: Schema, resolve: SchemaResolver, pools: Record<string, readonly unknown[]>, depth: number): fc.Arbitrary<unknown> {
  if (schema.enum?.length) return fc.constantFrom(...schema.enum);
  if (schema.allOf?.length) return merged(schema.allOf.map((s) => (s.$ref ? resolve(s.$ref) : s)));
  const alternatives = schema.oneOf ?? schema.anyOf;
  if (alternatives?.length) return fc.oneof(...alternatives.map((s) => validValue(s, resolve, pools, depth + 1)));

  function merged(parts: Schema[]): fc.Arbitrary<unknown> {
    const properties = Object.assign({}, ...parts.map((p) => p.properties ?? {})) as Record<string, Schema>;
    const required = parts.flatMap((p) => p.required ?? []);
    return objectOf({ type: 'object', properties, required }, resolve, pools, depth);
  }

  switch (schema.type) {
    case 'string':
      return stringOf(schema);
    case 'integer':
      return fc.integer({ min: schema.minimum ?? -1_000, max: schema.maximum ?? 1_000_000 });
    case 'number':
      return fc.double({ min: schema.minimum ?? -1e6, max: schema.maximum ?? 1e6, noNaN: true, noDefaultInfinity: true });
    case 'boolean':
      return fc.boolean();
    case 'array': {
      const maxLength = Math.min(schema.maxItems ?? MAX_ITEMS, MAX_ITEMS);
      const minLength = Math.min(schema.minItems ?? 0, maxLength);
      return fc.array(schema.items ? validValue(schema.items, resolve, pools, depth + 1) : fc.jsonValue({ maxDepth: 1 }), { minLength, maxLength });
    }
    case 'object':
    case undefined:
      if (schema.properties) return objectOf(schema, resolve, pools, depth);
      if (schema.type === 'object' && typeof schema.additionalProperties === 'object') {
        return fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), validValue(schema.additionalProperties, resolve, pools, depth + 1), { maxKeys: 3 });
      }
      return schema.type === 'object'
        ? fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 })
        : fc.jsonValue({ maxDepth: 2 });
  }
}

function objectOf(schema: Schema, resolve: SchemaResolver, pools: Record<string, readonly unknown[]>, depth: number): fc.Arbitrary<unknown> {
  const required = new Set(schema.required ?? []);
  const entries = Object.entries(schema.properties ?? {});
  const model = Object.fromEntries(
    entries.map(([name, property]) => {
      const known = pools[name];
      const value = known?.length
        ? fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...known) }, { weight: 1, arbitrary: validValue(property, resolve, pools, depth + 1) })
        : validValue(property, resolve, pools, depth + 1);
      return [name, value];
    }),
  );
  return fc.record(model, { requiredKeys: entries.map(([name]) => name).filter((name) => required.has(name)) });
}

function stringOf(schema: Schema): fc.Arbitrary<string> {
  const maxLength = Math.min(schema.maxLength ?? MAX_STRING, MAX_STRING);
  const minLength = Math.min(schema.minLength ?? 0, maxLength);
  if (schema.pattern) {
    const pattern = new RegExp(schema.pattern);
    return fc.stringMatching(pattern).filter((s) => s.length >= minLength && s.length <= (schema.maxLength ?? Infinity));
  }
  switch (schema.format) {
    case 'date-time':
      return fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString());
    case 'date':
      return fc
        .date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true })
        .map((d) => d.toISOString().slice(0, 10));
    case 'uuid':
      return fc.uuid();
    case 'email':
      return fc.emailAddress();
    default:
      return fc.string({ minLength: Math.max(minLength, 0), maxLength, unit: 'grapheme-ascii' });
  }
}

/**
 * Values a route must refuse, or at least survive: the valid shape with one thing broken (a
 * required property dropped, an unknown one added, one property given a hostile value or the
 * wrong type), or a hostile value in place of the whole.
 */
export function invalidValue(schema: Schema, resolve: SchemaResolver, pools: Record<string, readonly unknown[]> = {}): fc.Arbitrary<unknown> {
  const target = schema.$ref ? resolve(schema.$ref) : schema;
  const properties = Object.keys(target.properties ?? {});
  const broken = fc
    .tuple(validValue(target, resolve, pools), fc.nat(), fc.constantFrom('drop', 'extra', 'replace', 'nest'), hostileValue)
    .map(([valid, pick, how, hostile]) => {
      if (typeof valid !== 'object' || valid === null || Array.isArray(valid)) return hostile;
      const copy = { ...(valid as Record<string, unknown>) };
      const name = properties.length ? properties[pick % properties.length] : 'unexpected';
      switch (how) {
        case 'drop':
          delete copy[name];
          return copy;
        case 'extra':
          return { ...copy, [`unexpected_${pick % 7}`]: hostile };
        case 'replace':
          return { ...copy, [name]: hostile };
        case 'nest':
          return { ...copy, [name]: [copy[name], hostile] };
      }
    });
  return fc.oneof({ weight: 4, arbitrary: broken }, { weight: 1, arbitrary: hostileValue });
}
