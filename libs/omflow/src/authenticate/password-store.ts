import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { AppError, ErrorCode } from '#app/common';
import { DirectSql, TransactionRunner, toSqlDateTime } from '#app/database';
import { Argon2Hasher } from './argon2-hasher.js';
import { parseDjangoHash } from './django-hash.js';

/** Longest password accepted anywhere: argon2 reads all of it, so an unbounded one is a cheap way to burn CPU. */
export const MAX_PASSWORD_LENGTH = 1024;
/** OMFLOW's `username` column is 150 characters. */
export const MAX_USERNAME_LENGTH = 150;

export interface StoredCredential {
  hash: string;
  mustChange: boolean;
}

export interface SetPasswordOptions {
  /** The user must change the password before it is accepted at login. */
  mustChange?: boolean;
  /** Who set it (an API client id), kept with the hash. */
  setBy?: string | null;
}

/** Why a username cannot be stored (empty when it can). */
export function usernameProblems(username: unknown): string[] {
  if (typeof username !== 'string' || !username.trim()) return ['username must be a non-empty string'];
  if (username.trim().length > MAX_USERNAME_LENGTH) return [`username must be at most ${MAX_USERNAME_LENGTH} characters`];
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(username)) return ['username must not contain control characters'];
  return [];
}

/** Why a plain password cannot be stored (empty when it can). */
export function passwordProblems(password: unknown): string[] {
  if (typeof password !== 'string' || password.length === 0) return ['password must be a non-empty string'];
  if (password.length > MAX_PASSWORD_LENGTH) return [`password must be at most ${MAX_PASSWORD_LENGTH} characters`];
  return [];
}

/** Why a username or plain password cannot be stored (empty when they can). */
export function credentialProblems(username: unknown, password: unknown): string[] {
  return [...usernameProblems(username), ...passwordProblems(password)];
}

/** Why an imported hash cannot be stored (empty when it can): only Django's formats are read, see django-hash.ts. */
export function hashProblems(hash: unknown): string[] {
  if (typeof hash !== 'string' || hash.length === 0) return ['passwordHash must be a non-empty string'];
  const parsed = parseDjangoHash(hash);
  return parsed.ok ? [] : [parsed.problem];
}

/**
 * The bridge's own password hashes (AUTH_VERIFIER=local), keyed by case-insensitive username.
 * Passwords arrive through the directory proxy's create call, the admin routes and bulk
 * imports; only their argon2id hash is kept. A bulk import may also bring a Django hash from
 * OMFLOW, kept as it is (at most 128 characters, Django's column) until the next good login
 * replaces it with argon2id (rehash).
 */
@Injectable()
export class PasswordStore {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly tx: TransactionRunner,
    private readonly hasher: Argon2Hasher,
    private readonly sql: DirectSql,
  ) {}

  async find(username: string): Promise<StoredCredential | null> {
    const rows = await this.sql.rows<{ hash: string; must_change: unknown }>('SELECT hash, must_change FROM credential WHERE username = ?', [username]);
    const row = rows[0];
    return row ? { hash: row.hash, mustChange: Boolean(Number(row.must_change)) } : null;
  }

  /**
   * Sets (or replaces) the password of `username`. Throws VALIDATION.FAILED for an empty or
   * oversized username or password. Resolves with whether the user had no password before.
   */
  async setPassword(username: string, password: string, options: SetPasswordOptions = {}): Promise<{ created: boolean }> {
    const problems = credentialProblems(username, password);
    if (problems.length)
      throw new AppError(ErrorCode.ValidationFailed, `Invalid password change: ${problems.join('; ')}.`, { fields: [{ field: 'password', problems }] });
    const hash = await this.hasher.hash(password);
    return this.storeHash(username.trim(), hash, options.mustChange ?? false, options.setBy ?? null);
  }

  /**
   * Sets (or replaces) the password of `username` to an imported Django hash, stored as it is.
   * Throws VALIDATION.FAILED for a bad username or a hash the bridge cannot verify.
   */
  async importHash(username: string, hash: string, options: SetPasswordOptions = {}): Promise<{ created: boolean }> {
    const problems = [...usernameProblems(username), ...hashProblems(hash)];
    if (problems.length)
      throw new AppError(ErrorCode.ValidationFailed, `Invalid password import: ${problems.join('; ')}.`, { fields: [{ field: 'passwordHash', problems }] });
    return this.storeHash(username.trim(), hash, options.mustChange ?? false, options.setBy ?? null);
  }

  /** Replaces a hash with one made with the current parameters, unless it changed meanwhile. */
  async rehash(username: string, oldHash: string, password: string): Promise<void> {
    const hash = await this.hasher.hash(password);
    await this.db.query('UPDATE credential SET hash = ?, updated_at = ? WHERE username = ? AND hash = ?', [hash, toSqlDateTime(), username, oldHash]);
  }

  /**
   * Moves a password to a person's new username (an accepted rename). Nothing moves when the
   * new username already has a password of its own. Answers whether it moved.
   */
  async rename(from: string, to: string): Promise<boolean> {
    return this.tx.transaction(async (m) => {
      if (from.toLowerCase() === to.toLowerCase()) return false;
      const taken = await m.query<unknown[]>('SELECT username FROM credential WHERE username = ?', [to]);
      if (taken.length) return false;
      const existing = await m.query<unknown[]>('SELECT username FROM credential WHERE username = ?', [from]);
      if (!existing.length) return false;
      await m.query('UPDATE credential SET username = ?, updated_at = ? WHERE username = ?', [to, toSqlDateTime(), from]);
      return true;
    });
  }

  async remove(username: string): Promise<void> {
    await this.db.query('DELETE FROM credential WHERE username = ?', [username]);
  }

  private async storeHash(username: string, hash: string, mustChange: boolean, setBy: string | null): Promise<{ created: boolean }> {
    const write = (m: EntityManager) => this.upsert(m, username, hash, mustChange, setBy);
    try {
      return await this.tx.transaction(write);
    } catch (error) {
      // Another instance inserted the same username between our SELECT and INSERT: now it is an update.
      if (!isDuplicateKey(error)) throw error;
      return this.tx.transaction(write);
    }
  }

  private async upsert(m: EntityManager, username: string, hash: string, mustChange: boolean, setBy: string | null): Promise<{ created: boolean }> {
    const now = toSqlDateTime();
    const existing = await m.query<unknown[]>('SELECT username FROM credential WHERE username = ?', [username]);
    if (existing.length) {
      await m.query('UPDATE credential SET hash = ?, must_change = ?, set_by = ?, updated_at = ? WHERE username = ?', [
        hash,
        mustChange ? 1 : 0,
        setBy,
        now,
        username,
      ]);
      return { created: false };
    }
    await m.query('INSERT INTO credential (username, hash, must_change, set_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)', [
      username,
      hash,
      mustChange ? 1 : 0,
      setBy,
      now,
      now,
    ]);
    return { created: true };
  }
}

function isDuplicateKey(error: unknown): boolean {
  const e = error as { code?: string; driverError?: { code?: string } } | null;
  const code = e?.driverError?.code ?? e?.code ?? '';
  return code === 'ER_DUP_ENTRY' || code.startsWith('SQLITE_CONSTRAINT');
}
