import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AuditService } from '#app/audit';
import { requestContext } from '#app/common';
import { TransactionRunner, toSqlDateTime } from '#app/database';
import { AuthClock } from './auth-clock.js';
import { parseAuthenticateRequest } from './authenticate.dto.js';
import { LockoutService } from './lockout.service.js';
import { LoginRateLimiter } from './login-rate-limiter.js';
import { isUnavailable, PasswordVerifier, type VerifyFailure } from './password-verifier.js';

/** The same words for an unknown user, an inactive one and a wrong password. */
export const LOGIN_FAILED = 'Invalid username or password.';
export const LOGIN_LOCKED = 'Too many failed login attempts. Try again later, or ask an administrator to unlock the account.';
export const LOGIN_MUST_CHANGE = 'The password must be changed before it can be used to log in. Ask an administrator for a new password.';
export const LOGIN_UNAVAILABLE = 'The password cannot be checked right now. Try again in a moment.';
export const LOGIN_RATE_LIMITED = 'Too many login requests. Try again in a minute.';

/** OMFLOW's answer to a login. */
export type LoginAnswer = { status: 'success' } | { status: 'fail'; message: string };

/** Every reason a login can fail, as the audit trail records it (never shown to the user). */
export type LoginFailureReason =
  'malformed_request' | 'rate_limited' | 'unknown_user' | 'inactive_user' | 'no_password' | 'must_change' | Exclude<VerifyFailure, 'no_credential'>;

type PersonRow = { id: unknown; state: string };

/**
 * OMFLOW's login check. Every attempt does the same work up to the answer, whoever the user:
 * the lockout check, the person lookup and the verifier (which verifies against a dummy hash or
 * asks the upstream for unknown users too). Only users active in the published snapshot may log
 * in. Every attempt is audited with its reason; the password never leaves this method.
 */
@Injectable()
export class AuthenticateService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly tx: TransactionRunner,
    private readonly verifier: PasswordVerifier,
    private readonly lockout: LockoutService,
    private readonly limiter: LoginRateLimiter,
    private readonly clock: AuthClock,
    private readonly audit: AuditService,
  ) {}

  /** `retryAfter` (seconds) is set when the caller is over the rate limit. */
  async login(body: unknown): Promise<{ answer: LoginAnswer; retryAfter?: number }> {
    const ip = requestContext.get()?.sourceIp ?? null;
    const retryAfter = this.limiter.take(ip);
    if (retryAfter) {
      await this.failed(
        typeof (body as { username?: unknown } | null)?.username === 'string' ? String((body as { username: string }).username) : null,
        'rate_limited',
      );
      return { answer: { status: 'fail', message: LOGIN_RATE_LIMITED }, retryAfter };
    }

    const parsed = parseAuthenticateRequest(body);
    if (!parsed.ok) {
      await this.failed(parsed.username, 'malformed_request', { problems: parsed.problems });
      return { answer: { status: 'fail', message: `Invalid login request: ${parsed.problems.join('; ')}.` } };
    }
    const { username, password } = parsed.value;

    const [{ lock, userCounted }, person] = await Promise.all([this.lockout.check(username, ip), this.activePerson(username)]);
    if (lock) {
      await this.audit.record({
        action: 'auth.login.locked',
        outcome: 'denied',
        target: { type: 'omflow_user', id: username },
        details: { verifier: this.verifier.kind, lock: lock.kind, lockedUntil: lock.lockedUntil.toISOString() },
      });
      return { answer: { status: 'fail', message: LOGIN_LOCKED } };
    }

    const result = await this.verifier.verify(username, password);

    if (result.ok && person?.active) {
      if (result.mustChange) {
        // Only said after the password proved right: it tells nothing to someone guessing.
        await this.failed(username, 'must_change');
        return { answer: { status: 'fail', message: LOGIN_MUST_CHANGE } };
      }
      // The login's own writes and its audit event overlap: the hash is the only cost a login should have.
      await Promise.all([
        this.recordLogin(person.id, userCounted ? username : null),
        this.audit.record({
          action: 'auth.login.succeeded',
          outcome: 'success',
          target: { type: 'omflow_user', id: username },
          details: { verifier: this.verifier.kind },
        }),
      ]);
      return { answer: { status: 'success' } };
    }

    if (!result.ok && isUnavailable(result.reason)) {
      // The check itself failed: not the user's fault, so not counted towards a lockout.
      await this.failed(username, result.reason);
      return { answer: { status: 'fail', message: LOGIN_UNAVAILABLE } };
    }

    const reason: LoginFailureReason = !person
      ? 'unknown_user'
      : !person.active || result.ok
        ? 'inactive_user'
        : result.reason === 'no_credential'
          ? 'no_password'
          : result.reason;
    const { locked } = await this.lockout.recordFailure(username, ip);
    await this.failed(username, reason, locked.length ? { lockedNow: locked.map((l) => ({ lock: l.kind, lockedUntil: l.lockedUntil.toISOString() })) } : {});
    return { answer: { status: 'fail', message: LOGIN_FAILED } };
  }

  /** Sets last_login; clears the username's failure counter when it has one. */
  private async recordLogin(personId: number, clearCounterOf: string | null): Promise<void> {
    const now = toSqlDateTime(new Date(this.clock.now()));
    if (!clearCounterOf) {
      await this.db.query('UPDATE person SET last_login = ? WHERE id = ?', [now, personId]);
      return;
    }
    await this.tx.transaction(async (m) => {
      await this.lockout.recordSuccess(clearCounterOf, m);
      await m.query('UPDATE person SET last_login = ? WHERE id = ?', [now, personId]);
    });
  }

  private failed(username: string | null, reason: LoginFailureReason, details: Record<string, unknown> = {}): Promise<void> {
    return this.audit.record({
      action: 'auth.login.failed',
      outcome: 'failure',
      target: { type: 'omflow_user', id: username === null ? null : username.slice(0, 150) },
      details: { verifier: this.verifier.kind, reason, ...details },
    });
  }

  /** The person holding `username` (an active one first), or null when nobody ever did. */
  private async activePerson(username: string): Promise<{ id: number; active: boolean } | null> {
    const rows = await this.db.query<PersonRow[]>(
      "SELECT id, state FROM person WHERE username = ? ORDER BY CASE WHEN state = 'active' THEN 0 ELSE 1 END LIMIT 1",
      [username],
    );
    const row = rows[0];
    return row ? { id: Number(row.id), active: row.state === 'active' } : null;
  }
}
