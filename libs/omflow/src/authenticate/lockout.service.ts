import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { BRIDGE_CONFIG, type BridgeConfig } from '#app/config';
import { TransactionRunner } from '#app/database';
import { AuthClock } from './auth-clock.js';

export type LockoutKind = 'user' | 'ip';

export interface Lockout {
  kind: LockoutKind;
  subject: string;
  lockedUntil: Date;
}

export interface FailureOutcome {
  /** Set when this failure locked the username or the IP. */
  locked: Lockout[];
}

type Row = { kind: string; subject: string; failures: unknown; window_started_at: unknown; locked_until: unknown };

/** Stale rows (window over, lock over) are purged at most this often per instance. */
const PURGE_EVERY_MS = 10 * 60 * 1000;

/**
 * Failed-login counters and lockouts, per username and per source IP, in the database so that
 * every instance counts the same failures. A username is locked after AUTH_LOCKOUT_THRESHOLD
 * failures within AUTH_LOCKOUT_WINDOW_SECONDS, for AUTH_LOCKOUT_SECONDS; an IP likewise after
 * AUTH_IP_LOCKOUT_THRESHOLD. Counters are updated with single-statement arithmetic, so that
 * concurrent failures on several instances all count. Unknown usernames are counted like known
 * ones: a lockout says nothing about whether a user exists.
 */
@Injectable()
export class LockoutService {
  private lastPurge = 0;
  private readonly windowMs: number;
  private readonly lockMs: number;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly tx: TransactionRunner,
    private readonly clock: AuthClock,
    @Inject(BRIDGE_CONFIG) private readonly config: BridgeConfig,
  ) {
    this.windowMs = config.auth.lockoutWindowSeconds * 1000;
    this.lockMs = config.auth.lockoutSeconds * 1000;
  }

  /**
   * The lockout (username first) holding now, if any, and whether the username has a failure
   * counter at all (a good login then clears it; without one, the good login writes nothing here).
   */
  async check(username: string, ip: string | null): Promise<{ lock: Lockout | null; userCounted: boolean }> {
    const now = this.clock.now();
    const keys = this.keys(username, ip);
    if (!keys.length) return { lock: null, userCounted: false };
    const rows = await this.db.query<Row[]>(
      `SELECT kind, subject, locked_until FROM auth_lockout WHERE ${keys.map(() => '(kind = ? AND subject = ?)').join(' OR ')}`,
      keys.flat(),
    );
    const locked = rows.filter((r) => Number(r.locked_until) > now);
    const row = locked.find((r) => r.kind === 'user') ?? locked[0];
    return {
      lock: row ? { kind: row.kind as LockoutKind, subject: row.subject, lockedUntil: new Date(Number(row.locked_until)) } : null,
      userCounted: rows.some((r) => r.kind === 'user'),
    };
  }

  /** Counts one failure against the username and the IP; locks whichever reached its threshold. */
  async recordFailure(username: string, ip: string | null): Promise<FailureOutcome> {
    const keys = this.keys(username, ip);
    if (!keys.length) return { locked: [] };
    const now = this.clock.now();
    const count = () =>
      this.tx.transaction(async (m) => {
        const out: Lockout[] = [];
        // Always username, then IP: the same lock order in every transaction.
        for (const [kind, subject] of keys) {
          const lock = await this.countFailure(m, kind, subject, now);
          if (lock) out.push(lock);
        }
        return out;
      });
    let locked: Lockout[];
    try {
      locked = await count();
    } catch (error) {
      // InnoDB may still pick this transaction as a deadlock victim under heavy contention: once more.
      if ((error as { driverError?: { code?: string } }).driverError?.code !== 'ER_LOCK_DEADLOCK') throw error;
      locked = await count();
    }
    if (now - this.lastPurge > PURGE_EVERY_MS) {
      this.lastPurge = now;
      await this.purge(now);
    }
    return { locked };
  }

  /** A good login clears the username's counter (never the IP's: one valid account must not reset a spray). */
  async recordSuccess(username: string, m?: EntityManager): Promise<void> {
    await (m ?? this.db).query("DELETE FROM auth_lockout WHERE kind = 'user' AND subject = ?", [normalise(username)]);
  }

  /** Clears the counter and any lock of a username or IP; true when there was something to clear. */
  async clear(kind: LockoutKind, subject: string): Promise<boolean> {
    return this.tx.transaction(async (m) => {
      const key = kind === 'user' ? normalise(subject) : subject.trim();
      const rows = await m.query<Row[]>('SELECT locked_until FROM auth_lockout WHERE kind = ? AND subject = ?', [kind, key]);
      if (!rows.length) return false;
      await m.query('DELETE FROM auth_lockout WHERE kind = ? AND subject = ?', [kind, key]);
      return true;
    });
  }

  /** Lockouts in force now, newest first. */
  async list(limit: number, offset: number): Promise<{ items: (Lockout & { failures: number })[]; total: number }> {
    const now = this.clock.now();
    const [count] = await this.db.query<{ n: unknown }[]>('SELECT COUNT(*) AS n FROM auth_lockout WHERE locked_until > ?', [now]);
    const rows = await this.db.query<Row[]>(
      'SELECT kind, subject, failures, locked_until FROM auth_lockout WHERE locked_until > ? ORDER BY locked_until DESC, kind, subject LIMIT ? OFFSET ?',
      [now, limit, offset],
    );
    return {
      total: Number(count?.n ?? 0),
      items: rows.map((r) => ({
        kind: r.kind as LockoutKind,
        subject: r.subject,
        failures: Number(r.failures),
        lockedUntil: new Date(Number(r.locked_until)),
      })),
    };
  }

  private keys(username: string, ip: string | null): [LockoutKind, string][] {
    const keys: [LockoutKind, string][] = [];
    if (this.config.auth.lockoutThreshold > 0) keys.push(['user', normalise(username)]);
    if (this.config.auth.ipLockoutThreshold > 0 && ip) keys.push(['ip', ip]);
    return keys;
  }

  private async countFailure(m: EntityManager, kind: LockoutKind, subject: string, now: number): Promise<Lockout | null> {
    const threshold = kind === 'user' ? this.config.auth.lockoutThreshold : this.config.auth.ipLockoutThreshold;
    const windowStart = now - this.windowMs;
    // One statement creates or counts: concurrent failures on any instance all count, and no
    // transaction takes a shared lock first (INSERT IGNORE then UPDATE deadlocks on MySQL).
    // MySQL assigns left to right with the new values, SQLite with the old ones: `failures` comes
    // first and does not read itself after `window_started_at` changes, so both agree.
    const conflict = this.tx.mysql ? 'ON DUPLICATE KEY UPDATE' : 'ON CONFLICT (kind, subject) DO UPDATE SET';
    await m.query(
      `INSERT INTO auth_lockout (kind, subject, failures, window_started_at, locked_until, updated_at) VALUES (?, ?, 1, ?, 0, ?)
       ${conflict}
         failures = CASE WHEN window_started_at <= ? THEN 1 ELSE failures + 1 END,
         window_started_at = CASE WHEN window_started_at <= ? THEN ? ELSE window_started_at END,
         updated_at = ?`,
      [kind, subject, now, now, windowStart, windowStart, now, now],
    );
    const [row] = await m.query<Row[]>('SELECT failures, locked_until FROM auth_lockout WHERE kind = ? AND subject = ?', [kind, subject]);
    if (!row || Number(row.failures) < threshold || Number(row.locked_until) > now) return null;
    const until = now + this.lockMs;
    // A fresh count starts with the lock: after it expires, the user has the full threshold again.
    await m.query('UPDATE auth_lockout SET locked_until = ?, failures = 0, window_started_at = ? WHERE kind = ? AND subject = ?', [until, now, kind, subject]);
    return { kind, subject, lockedUntil: new Date(until) };
  }

  private async purge(now: number): Promise<void> {
    await this.db.query('DELETE FROM auth_lockout WHERE locked_until <= ? AND window_started_at <= ?', [now, now - this.windowMs]);
  }
}

/** Usernames are compared case-insensitively (OMFLOW runs on MySQL's _ci collations). */
export function normalise(username: string): string {
  return username.trim().toLowerCase();
}
