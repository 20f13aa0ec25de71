import type { ImportRowResultDto } from './auth-admin.dto.js';
import { parseDjangoHash, type DjangoFormat, type DjangoHash } from './django-hash.js';
import { passwordProblems, usernameProblems } from './password-store.js';

/** What a row brings: a plain password (hashed on import) or a Django hash (stored as it is). */
export type ImportSecret = { kind: 'plain'; password: string } | { kind: 'hash'; hash: DjangoHash };

/** How a row's password arrived, for the counts of the answer and the audit: `plain` or a Django format. */
export type ImportFormat = 'plain' | DjangoFormat;

export interface ImportRow {
  index: number;
  username: string;
  secret: ImportSecret;
  mustChange: boolean;
}

const FIELDS = ['username', 'password', 'passwordHash', 'mustChange'];

/**
 * Validates the rows of a password import, each on its own: `{ username, password | passwordHash,
 * mustChange? }`. Answers the rows to store and the refused ones with their reasons (never
 * quoting a password or a hash). Usernames are case-insensitive: a repeated one is refused.
 */
export function readImportRows(items: unknown[]): { rows: ImportRow[]; refused: ImportRowResultDto[] } {
  const rows: ImportRow[] = [];
  const refused: ImportRowResultDto[] = [];
  const seen = new Map<string, number>();
  items.forEach((item, index) => {
    const row = item !== null && typeof item === 'object' && !Array.isArray(item) ? (item as Record<string, unknown>) : null;
    if (!row) {
      refused.push({
        index,
        username: null,
        status: 'invalid',
        problems: ['the row must be an object {"username", "password" or "passwordHash", "mustChange"?}'],
      });
      return;
    }
    const username = typeof row.username === 'string' ? row.username.trim() : null;
    const problems = usernameProblems(row.username);
    const secret = readSecret(row, problems);
    if (row.mustChange !== undefined && typeof row.mustChange !== 'boolean') problems.push('mustChange must be a boolean');
    const unknown = Object.keys(row).filter((k) => !FIELDS.includes(k));
    if (unknown.length) problems.push(`unknown field(s): ${unknown.join(', ')}`);
    const key = username?.toLowerCase();
    if (key !== undefined && !problems.length && seen.has(key)) problems.push(`username repeats row ${seen.get(key)} (usernames are case-insensitive)`);
    if (problems.length || !secret || username === null || key === undefined) {
      refused.push({ index, username: username?.slice(0, 150) ?? null, status: 'invalid', problems });
      return;
    }
    seen.set(key, index);
    rows.push({ index, username, secret, mustChange: row.mustChange === true });
  });
  return { rows, refused };
}

export function importFormat(secret: ImportSecret): ImportFormat {
  return secret.kind === 'plain' ? 'plain' : secret.hash.format;
}

function readSecret(row: Record<string, unknown>, problems: string[]): ImportSecret | null {
  const hasPassword = row.password !== undefined;
  const hasHash = row.passwordHash !== undefined;
  if (hasPassword && hasHash) {
    problems.push('give either password or passwordHash, not both');
    return null;
  }
  if (hasHash) {
    if (typeof row.passwordHash !== 'string' || !row.passwordHash) {
      problems.push('passwordHash must be a non-empty string');
      return null;
    }
    const parsed = parseDjangoHash(row.passwordHash);
    if (!parsed.ok) {
      problems.push(parsed.problem);
      return null;
    }
    return { kind: 'hash', hash: parsed.hash };
  }
  const refused = passwordProblems(row.password);
  if (refused.length) {
    problems.push(...(hasPassword ? refused : ['password (or passwordHash) must be a non-empty string']));
    return null;
  }
  return { kind: 'plain', password: row.password as string };
}
