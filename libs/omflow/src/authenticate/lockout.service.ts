import { createHash } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { Clock } from '#app/common';
import { BRIDGE_CONFIG, type BridgeConfig } from '#app/config';
import { TransactionRunner } from '#app/database';
import { BridgeMetrics } from '#app/metrics';
import { type Counter, type CounterPolicy, EMPTY, reserve, settle, type Settlement } from './lockout-counter.js';

export type LockoutKind = 'user' | 'ip';

export interface Lockout {
  kind: LockoutKind;
  subject: string;
  lockedUntil: Date;
}

/** Why an attempt was not checked: a lock, or (`lockedUntil` null) an allowance taken by attempts being checked. */
export interface Refusal {
  kind: LockoutKind;
  lockedUntil: Date | null;
}

/** An attempt's places under the thresholds, held while its password is checked; settle it exactly once. */
export interface Reservation {
  readonly places: readonly { kind: LockoutKind; subject: string; window: number }[];
}

/** Who is logging in, as far as the counters care. */
export interface LoginSubject {
  username: string;
  /** Held by a person ever published or by a stored password. Unknown usernames are counted under a digest. */
  known: boolean;
  ip: string | null;
}

type Row = { kind: string; subject: string; failures: unknown; pending: unknown; window_started_at: unknown; locked_until: unknown };

/** Stale rows (window over, lock over) are purged at most this often per instance. */
const PURGE_EVERY_MS = 10 * 60 * 1000;
/** Locks this instance remembers having seen (lockedIn): more are forgotten oldest first. */
const REMEMBERED_LOCKS = 10_000;

/** Thrown inside a reservation's transaction to roll back the places already taken when a later one is refused. */
class Refused extends Error {
  constructor(readonly refusal: Refusal) {
    super('refused');
  }
}

/**
 * Failed-login counters and lockouts, per username and per source IP, in the database so that
 * every instance counts the same attempts. A username is locked after AUTH_LOCKOUT_THRESHOLD
 * failures within AUTH_LOCKOUT_WINDOW_SECONDS, for AUTH_LOCKOUT_SECONDS; an IP likewise after
 * AUTH_IP_LOCKOUT_THRESHOLD. Each attempt reserves its place before its password is checked
 * (lockout-counter.ts), under a row lock, so parallel attempts cannot all slip past a check
 * made before any of them failed. Unknown usernames are counted like known ones (a lockout says
 * nothing about whether a user exists), under a digest rather than the text typed.
 */
@Injectable()
export class LockoutService {
  private readonly logger = new Logger(LockoutService.name);
  private lastPurge = 0;
  private readonly policies: Record<LockoutKind, CounterPolicy>;
  /** Locks in force this instance has seen (refusals, locks it started), by `kind:subject`: only a hint, see lockedIn. */
  private readonly seenLocks = new Map<string, number>();

  constructor(
    private readonly tx: TransactionRunner,
    private readonly clock: Clock,
    @Inject(BRIDGE_CONFIG) config: BridgeConfig,
    @InjectDataSource() private readonly db: DataSource,
    private readonly metrics: BridgeMetrics,
  ) {
    const windowMs = config.auth.lockoutWindowSeconds * 1000;
    const lockMs = config.auth.lockoutSeconds * 1000;
    this.policies = {
      user: { threshold: config.auth.lockoutThreshold, windowMs, lockMs },
      ip: { threshold: config.auth.ipLockoutThreshold, windowMs, lockMs },
    };
  }

  /**
   * Whether this instance has seen a lock in force on the attempt's username or IP (it refused
   * an attempt for it, or started it). Only a hint, never a decision: the reservation alone
   * decides, in the database. A login uses it to check a password while its reservation commits
   * only when no lock is known, so that an attempt on a locked account or IP still costs no hash.
   */
  lockedIn(who: LoginSubject): boolean {
    const now = this.clock.now();
    for (const [kind, subject] of this.keys(who)) {
      const key = `${kind}:${subject}`;
      const until = this.seenLocks.get(key);
      if (until === undefined) continue;
      if (until > now) return true;
      this.seenLocks.delete(key);
    }
    return false;
  }

  private rememberLock(kind: LockoutKind, subject: string, lockedUntil: number): void {
    const key = `${kind}:${subject}`;
    this.seenLocks.delete(key);
    this.seenLocks.set(key, lockedUntil);
    if (this.seenLocks.size > REMEMBERED_LOCKS) this.seenLocks.delete(this.seenLocks.keys().next().value!);
  }

  /**
   * Takes the attempt's place under the username's threshold, then the IP's (always in that
   * order), in one transaction. Refused, it holds nothing: the transaction is rolled back.
   */
  async reserve(who: LoginSubject): Promise<{ ok: true; reservation: Reservation } | { ok: false; refusal: Refusal }> {
    const now = this.clock.now();
    await this.purgeNow(now);
    const keys = this.keys(who);
    if (!keys.length) return { ok: true, reservation: { places: [] } };
    try {
      const places = await this.transaction(async (m) => {
        const taken: Reservation['places'][number][] = [];
        for (const [kind, subject] of keys) {
          const answer = await this.step(m, kind, subject, now, true, (counter) => {
            const reserved = reserve(counter, now, this.policies[kind]);
            return { next: reserved.granted ? reserved.next : undefined, answer: reserved };
          });
          if (!answer.granted) throw new Refused({ kind, lockedUntil: answer.lockedUntil === null ? null : new Date(answer.lockedUntil) });
          taken.push({ kind, subject, window: answer.window });
        }
        return taken;
      });
      return { ok: true, reservation: { places } };
    } catch (error) {
      if (error instanceof Refused) {
        const { kind, lockedUntil } = error.refusal;
        const subject = keys.find(([k]) => k === kind)?.[1];
        if (lockedUntil && subject !== undefined) this.rememberLock(kind, subject, lockedUntil.getTime());
        return { ok: false, refusal: error.refusal };
      }
      throw error;
    }
  }

  /**
   * Ends a reservation, in one transaction with `then` (given the locks the settlement started),
   * so that a login's other writes, such as its audit event, commit with it or not at all. A
   * failure counts against the username and the IP and answers the locks it started; a success
   * clears the username's count (never the IP's: one valid account must not reset a spray); a
   * release gives the places back uncounted.
   */
  async settle(reservation: Reservation, outcome: Settlement, then?: (locked: Lockout[], m: EntityManager) => Promise<void>): Promise<Lockout[]> {
    const now = this.clock.now();
    if (!reservation.places.length && !then) return [];
    const started = await this.transaction(async (m) => {
      const locked: Lockout[] = [];
      for (const { kind, subject, window } of reservation.places) {
        const lock = await this.step(m, kind, subject, now, false, (counter) => {
          const settled = settle(counter, window, kind === 'ip' && outcome === 'succeeded' ? 'released' : outcome, now, this.policies[kind]);
          return { next: settled.next, answer: settled.lockedUntil === null ? null : { kind, subject, lockedUntil: new Date(settled.lockedUntil) } };
        });
        if (lock) locked.push(lock);
      }
      if (then) await then(locked, m);
      return locked;
    });
    for (const lock of started) {
      this.metrics.lockout(lock.kind);
      this.rememberLock(lock.kind, lock.subject, lock.lockedUntil.getTime());
    }
    return started;
  }

  /** Clears the counter and any lock of a username (under either key) or IP; true when there was something to clear. */
  async clear(kind: LockoutKind, subject: string): Promise<boolean> {
    const keys = kind === 'user' ? [normalise(subject), unknownUserKey(subject)] : [subject.trim()];
    for (const key of keys) this.seenLocks.delete(`${kind}:${key}`);
    return this.tx.transaction(async (m) => {
      const rows = await m.query<Row[]>(`SELECT subject FROM auth_lockout WHERE kind = ? AND subject IN (${keys.map(() => '?').join(', ')})`, [kind, ...keys]);
      if (!rows.length) return false;
      await m.query(`DELETE FROM auth_lockout WHERE kind = ? AND subject IN (${keys.map(() => '?').join(', ')})`, [kind, ...keys]);
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

  private keys(who: LoginSubject): [LockoutKind, string][] {
    const keys: [LockoutKind, string][] = [];
    if (this.policies.user.threshold > 0) keys.push(['user', who.known ? normalise(who.username) : unknownUserKey(who.username)]);
    if (this.policies.ip.threshold > 0 && who.ip) keys.push(['ip', who.ip]);
    return keys;
  }

  /**
   * Reads one counter under a row lock, lets `decide` compute its next state, and writes it
   * (`next` undefined: unchanged; null: deleted). The first statement writes, so that it takes
   * the lock at once: InnoDB's exclusive lock of an upsert (a shared one first, as INSERT IGNORE
   * takes, deadlocks against a second transaction doing the same), SQLite's write lock (a read
   * first could not be upgraded once another instance wrote). `create` makes a missing counter
   * (as EMPTY); otherwise a missing one is left missing. Counters are always taken username
   * first, then IP, so two transactions never wait on each other in a circle.
   */
  private async step<T>(
    m: EntityManager,
    kind: LockoutKind,
    subject: string,
    now: number,
    create: boolean,
    decide: (counter: Counter) => { next: Counter | null | undefined; answer: T },
  ): Promise<T> {
    if (create) {
      const conflict = this.tx.mysql ? 'ON DUPLICATE KEY UPDATE updated_at = updated_at' : 'ON CONFLICT (kind, subject) DO NOTHING';
      await m.query(
        `INSERT INTO auth_lockout (kind, subject, failures, pending, window_started_at, locked_until, updated_at) VALUES (?, ?, 0, 0, 0, 0, ?) ${conflict}`,
        [kind, subject, now],
      );
    } else {
      await m.query('UPDATE auth_lockout SET updated_at = updated_at WHERE kind = ? AND subject = ?', [kind, subject]);
    }
    const [row] = await m.query<Row[]>(
      `SELECT failures, pending, window_started_at, locked_until FROM auth_lockout WHERE kind = ? AND subject = ?${this.tx.mysql ? ' FOR UPDATE' : ''}`,
      [kind, subject],
    );
    const counter: Counter = row
      ? {
          failures: Number(row.failures),
          pending: Number(row.pending),
          windowStartedAt: Number(row.window_started_at),
          lockedUntil: Number(row.locked_until),
        }
      : EMPTY;
    const { next, answer } = decide(counter);
    if (next === null) {
      if (row) await m.query('DELETE FROM auth_lockout WHERE kind = ? AND subject = ?', [kind, subject]);
    } else if (next !== undefined && (row || create)) {
      await m.query(
        'UPDATE auth_lockout SET failures = ?, pending = ?, window_started_at = ?, locked_until = ?, updated_at = ? WHERE kind = ? AND subject = ?',
        [next.failures, next.pending, next.windowStartedAt, next.lockedUntil, now, kind, subject],
      );
    }
    return answer;
  }

  /** A transaction of the counters, run again when InnoDB picks it as a deadlock victim (many inserting a new key at once). */
  private async transaction<T>(work: (m: EntityManager) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.tx.transaction(work);
      } catch (error) {
        if (attempt >= 3 || (error as { driverError?: { code?: string } }).driverError?.code !== 'ER_LOCK_DEADLOCK') throw error;
      }
    }
  }

  private async purgeNow(now: number): Promise<void> {
    if (now - this.lastPurge <= PURGE_EVERY_MS) return;
    this.lastPurge = now;
    // A window over and no lock: whatever was counted or reserved there no longer counts. Only
    // housekeeping: InnoDB may pick this range delete as a deadlock victim against the logins'
    // reservations; it is retried like them, and a purge that still fails never fails a login.
    await this.transaction((m) =>
      m.query('DELETE FROM auth_lockout WHERE locked_until <= ? AND window_started_at <= ?', [now, now - this.policies.user.windowMs]),
    ).catch((error: unknown) => this.logger.warn({ err: error }, 'Purging expired login counters failed; the next purge will take them'));
  }
}

/**
 * The counter key of a username nobody holds. Such a "username" is often a password typed into
 * the wrong field, so it is not kept as typed; a digest still counts it (and locks it) exactly
 * like a real one, so a lockout says nothing about whether a user exists.
 */
export function unknownUserKey(username: string): string {
  return `sha256:${createHash('sha256')
    .update(`auth-lockout-user\0${normalise(username)}`, 'utf8')
    .digest('hex')}`;
}

/** Usernames are compared case-insensitively (OMFLOW runs on MySQL's _ci collations). */
export function normalise(username: string): string {
  return username.trim().toLowerCase();
}
