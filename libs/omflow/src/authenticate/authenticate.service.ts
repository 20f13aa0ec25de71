import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AuditService, type AuditEventInput } from '#app/audit';
import { Clock, requestContext } from '#app/common';
import { BridgeMetrics } from '#app/metrics';
import { PublishedPeople, type PublishedPerson } from '#app/snapshots';
import { parseAuthenticateRequest } from './authenticate.dto.js';
import { LockoutService, type Reservation } from './lockout.service.js';
import { LoginRateLimiter } from './login-rate-limiter.js';
import { PasswordStore } from './password-store.js';
import { isUnavailable, type KnownCredential, PasswordVerifier, type VerifyFailure, type VerifyResult } from './password-verifier.js';

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
  | 'malformed_request'
  | 'rate_limited'
  | 'unknown_user'
  | 'inactive_user'
  | 'pending_removal'
  | 'no_password'
  | 'must_change'
  | Exclude<VerifyFailure, 'no_credential'>;

/**
 * OMFLOW's login check. Every attempt does the same work up to the answer, whoever the user:
 * the person and password lookups, the reservation of its place under the lockout thresholds,
 * and the verifier (which verifies against a dummy hash or asks the upstream for unknown users
 * too; the local verifier's hash runs while the reservation commits). Only users active in the
 * published snapshot may log in, and not while their removal waits out the deletion grace
 * window. Every attempt is audited with its reason; the password never leaves this method, and a
 * username nobody holds (often a password typed into the wrong field) is neither audited nor
 * counted as typed.
 *
 * Apart from the hash, a login costs two short write transactions: the reservation, and its
 * settlement together with everything the outcome writes (last login, audit event), which thus
 * commit at once and before the answer.
 */
@Injectable()
export class AuthenticateService {
  constructor(
    private readonly people: PublishedPeople,
    private readonly verifier: PasswordVerifier,
    private readonly lockout: LockoutService,
    private readonly passwords: PasswordStore,
    private readonly limiter: LoginRateLimiter,
    private readonly clock: Clock,
    private readonly audit: AuditService,
    private readonly metrics: BridgeMetrics,
  ) {}

  /** `retryAfter` (seconds) is set when the caller is over the rate limit. */
  async login(body: unknown): Promise<{ answer: LoginAnswer; retryAfter?: number }> {
    const ip = requestContext.get()?.sourceIp ?? null;
    const retryAfter = this.limiter.take(ip);
    if (retryAfter) {
      // The cheap gate looks nothing up, so it cannot tell a username from a password: no target.
      await this.failed(null, 'rate_limited');
      return { answer: { status: 'fail', message: LOGIN_RATE_LIMITED }, retryAfter };
    }

    const parsed = parseAuthenticateRequest(body);
    if (!parsed.ok) {
      const named = parsed.username?.trim() ? await this.lookUp(parsed.username) : null;
      await this.failed(named?.subject ?? null, 'malformed_request', { problems: parsed.problems });
      return { answer: { status: 'fail', message: `Invalid login request: ${parsed.problems.join('; ')}.` } };
    }
    const { username, password } = parsed.value;

    const { subject, person, credential } = await this.lookUp(username);
    const who = { username, known: subject.known, ip };
    // The bridge's own hashes are checked on the thread pool while the reservation commits (the
    // hash is the login's cost: the rest then hides behind it). The outcome is used only once the
    // reservation is granted. Not when this instance knows a lock on the username or IP (a locked
    // attempt costs no hash), nor with an upstream verifier (a locked account's attempts must never
    // reach the directory, whose own lockout they would feed).
    const early = this.verifier.kind === 'local' && !this.lockout.lockedIn(who) ? this.verifier.verify(username, password, credential) : null;
    early?.catch(() => undefined); // awaited below when granted; a refused or failed reservation must not leave it unhandled
    const reserved = await this.lockout.reserve(who);
    if (!reserved.ok) {
      const { kind, lockedUntil } = reserved.refusal;
      this.metrics.login('locked');
      await this.audit.record({
        action: 'auth.login.locked',
        outcome: 'denied',
        target: target(subject),
        details: {
          verifier: this.verifier.kind,
          lock: kind,
          lockedUntil: lockedUntil?.toISOString() ?? null,
          // No lock yet: attempts being checked hold the whole allowance.
          ...(lockedUntil ? {} : { inFlight: true }),
          ...known(subject),
        },
      });
      return { answer: { status: 'fail', message: LOGIN_LOCKED } };
    }

    let result: VerifyResult;
    try {
      result = await (early ?? this.verifier.verify(username, password, credential));
    } catch (error) {
      await this.lockout.settle(reserved.reservation, 'released');
      throw error;
    }

    if (person?.active && person.pendingRemoval) {
      // Missing from the directory, their removal waiting out the grace window: a leaver loses access at once, whatever the
      // password (checked all the same, so the answer takes the usual time). Not a guess: never counted towards a lockout.
      return this.refuse(reserved.reservation, subject, 'pending_removal', LOGIN_FAILED);
    }
    if (person?.active && (result.ok ? result.mustChange : result.reason === 'password_expired')) {
      // Only said after the password proved right (a directory says `expired` only then too): it tells nothing to someone guessing.
      return this.refuse(reserved.reservation, subject, result.ok ? 'must_change' : 'password_expired', LOGIN_MUST_CHANGE);
    }
    if (result.ok && person?.active) {
      // One transaction: the counter cleared, the last login and the audit event.
      await this.lockout.settle(reserved.reservation, 'succeeded', async (_locked, m) => {
        await this.people.recordLogin(person.id, this.clock.date(), m);
        await this.audit.recordWithin(m, [
          { action: 'auth.login.succeeded', outcome: 'success', target: target(subject), details: { verifier: this.verifier.kind } },
        ]);
      });
      this.metrics.login('success');
      return { answer: { status: 'success' } };
    }

    if (!result.ok && isUnavailable(result.reason)) {
      // The check itself failed: not the user's fault, so not counted towards a lockout.
      return this.refuse(reserved.reservation, subject, result.reason, LOGIN_UNAVAILABLE);
    }

    const reason: LoginFailureReason = !person
      ? 'unknown_user'
      : !person.active || result.ok
        ? 'inactive_user'
        : result.reason === 'no_credential'
          ? 'no_password'
          : result.reason;
    await this.lockout.settle(reserved.reservation, 'failed', (locked, m) =>
      this.failedWithin(
        m,
        subject,
        reason,
        locked.length ? { lockedNow: locked.map((l) => ({ lock: l.kind, lockedUntil: l.lockedUntil.toISOString() })) } : {},
      ),
    );
    this.metrics.login(reason);
    return { answer: { status: 'fail', message: LOGIN_FAILED } };
  }

  /** Answers `message` to an attempt that is not the user's guess: its reservation given back uncounted, its audit event in the same transaction. */
  private async refuse(reservation: Reservation, subject: AuditSubject, reason: LoginFailureReason, message: string): Promise<{ answer: LoginAnswer }> {
    await this.lockout.settle(reservation, 'released', (_locked, m) => this.failedWithin(m, subject, reason));
    this.metrics.login(reason);
    return { answer: { status: 'fail', message } };
  }

  /** Counts and audits a failed attempt that reserved nothing (its reason is the metric's outcome: a closed set). */
  private failed(subject: AuditSubject | null, reason: LoginFailureReason, details: Record<string, unknown> = {}): Promise<void> {
    this.metrics.login(reason);
    return this.audit.record(this.failure(subject, reason, details));
  }

  /** Records a failed attempt's audit event inside the transaction settling its reservation (the caller counts it once that commits). */
  private failedWithin(m: EntityManager, subject: AuditSubject, reason: LoginFailureReason, details: Record<string, unknown> = {}): Promise<void> {
    return this.audit.recordWithin(m, [this.failure(subject, reason, details)]);
  }

  private failure(subject: AuditSubject | null, reason: LoginFailureReason, details: Record<string, unknown>): AuditEventInput {
    return {
      action: 'auth.login.failed',
      outcome: 'failure',
      target: target(subject),
      details: { verifier: this.verifier.kind, reason, ...details, ...known(subject) },
    };
  }

  /**
   * Whether anyone holds `username` (a person ever published, or a stored password), the person
   * holding it (an active one first) and the stored password, which the check then uses. Both
   * lookups run for every attempt, known or not.
   */
  private async lookUp(username: string): Promise<{ subject: AuditSubject; person: PublishedPerson | null; credential: KnownCredential | null }> {
    const [person, credential] = await Promise.all([this.people.byUsername(username), this.passwords.find(username)]);
    return { subject: { username, known: Boolean(person) || credential !== null }, person, credential };
  }
}

/** The username presented at a login, and whether anyone holds it. */
interface AuditSubject {
  username: string;
  known: boolean;
}

/** The audit target of a login: the username only when someone holds it; never the text of an unknown one. */
function target(subject: AuditSubject | null): { type: string; id: string | null } {
  return { type: 'omflow_user', id: subject?.known ? subject.username.slice(0, 150) : null };
}

function known(subject: AuditSubject | null): { knownUser?: false } {
  return subject && !subject.known ? { knownUser: false } : {};
}
