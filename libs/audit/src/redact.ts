import { storableText } from './stored-text.js';

/** Keys whose values never reach the trail, at any depth (case-insensitive, anywhere in the key). */
const SECRET_KEY = /password|passwd|secret|token|security|authori[sz]ation|credential|cookie/i;

/** Secrets recognisable by their shape inside free text: the bridge's own secrets, HTTP auth headers. */
const SECRET_VALUES: [RegExp, string][] = [
  [/\bhrb_[A-Za-z0-9_-]{20,}/g, 'hrb_[redacted]'],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, '$1 [redacted]'],
];

export const REDACTED = '[redacted]';
const MAX_DEPTH = 32;

/**
 * A JSON-safe copy of `value` with secret-named keys replaced by "[redacted]" at any depth,
 * recognisable secrets masked inside strings, lone surrogates replaced (keys and strings alike),
 * and object keys sorted (so that the stored text, which is what the chain hashes, does not
 * depend on the caller's key order).
 */
export function redact(value: unknown): unknown {
  return walk(value, 0, new WeakSet<object>());
}

function walk(value: unknown, depth: number, seen: WeakSet<object>): unknown {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'string':
      return maskString(value);
    case 'number':
      return Number.isFinite(value) ? value : null;
    case 'boolean':
      return value;
    case 'bigint':
      return value.toString();
    case 'function':
    case 'symbol':
    case 'undefined':
      return null;
    case 'object':
      break;
  }
  const obj = value;
  if (obj instanceof Date) return Number.isNaN(obj.getTime()) ? null : obj.toISOString();
  if (Buffer.isBuffer(obj) || obj instanceof Uint8Array) return `[binary ${obj.byteLength} bytes]`;
  if (depth >= MAX_DEPTH) return '[too deep]';
  if (seen.has(obj)) return '[circular]';
  seen.add(obj);
  try {
    if (Array.isArray(obj)) return obj.map((item) => walk(item, depth + 1, seen));
    if (obj instanceof Set) return [...obj].map((item) => walk(item, depth + 1, seen));
    const entries: [string, unknown][] = (obj instanceof Map ? [...obj].map(([k, v]): [unknown, unknown] => [k, v]) : Object.entries(obj)).map(([k, v]) => [
      storableText(String(k)),
      v,
    ]);
    const out: Record<string, unknown> = {};
    for (const [key, item] of entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      if (item === undefined || typeof item === 'function' || typeof item === 'symbol') continue;
      out[key] = SECRET_KEY.test(key) ? REDACTED : walk(item, depth + 1, seen);
    }
    return out;
  } finally {
    seen.delete(obj);
  }
}

function maskString(text: string): string {
  let out = storableText(text);
  for (const [pattern, replacement] of SECRET_VALUES) out = out.replace(pattern, replacement);
  return out;
}

/** The stored form of an event's details: redacted, key-sorted JSON (`{}` when absent). */
export function detailsJson(details: Record<string, unknown> | undefined): string {
  if (details === undefined || details === null) return '{}';
  const clean = redact(details);
  return JSON.stringify(clean !== null && typeof clean === 'object' && !Array.isArray(clean) ? clean : { value: clean });
}
