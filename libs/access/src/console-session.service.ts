import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { LessThan, type Repository } from 'typeorm';
import { AuditService } from '#app/audit';
import { BRIDGE_CONFIG, type BridgeConfig } from '#app/config';
import { actorKindOf, Clock, type Principal } from '#app/common';
import { AccessService } from './access.service.js';
import { ConsoleSession } from './console-session.entity.js';
import { digestSecret, sameBytes } from './secrets.js';

/** The console's session cookie. `__Host-` would forbid it over plain HTTP, which the embedded default serves. */
export const SESSION_COOKIE = 'omflow_console';
/** The header every change made with a session cookie must carry (the session's CSRF token). */
export const CSRF_HEADER = 'x-csrf-token';

/** How stale `last_seen_at` may get before a request writes it again (the idle timeout is in minutes). */
const TOUCH_RESOLUTION_MS = 15_000;

/** A session as the console sees it. */
export interface OpenSession {
  principal: Principal;
  csrfToken: string;
  idleMinutes: number;
}

/**
 * Console sessions: a client's id and secret exchanged for a random session id kept in an
 * HttpOnly cookie. The session authenticates as its client, with the client's current scopes,
 * while the client holds the credential it signed in with and the session was used within the
 * idle timeout.
 */
@Injectable()
export class ConsoleSessionService {
  constructor(
    @InjectRepository(ConsoleSession) private readonly sessions: Repository<ConsoleSession>,
    @Inject(BRIDGE_CONFIG) private readonly config: BridgeConfig,
    private readonly access: AccessService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  get idleMs(): number {
    return this.config.console.sessionIdleMinutes * 60_000;
  }

  /** Signs a client in; null (audited as a failure) when the id or secret is wrong. */
  async signIn(clientId: string, secret: string, sourceIp: string | null): Promise<{ cookie: string; session: OpenSession } | null> {
    const holder = await this.access.authenticateBasicHolder(clientId, secret, 'session');
    if (!holder) {
      await this.audit.record({
        action: 'console.signin',
        outcome: 'failure',
        actor: { kind: 'anonymous', id: null },
        target: { type: 'api_client', id: clientId.slice(0, 64) },
      });
      return null;
    }
    const cookie = randomBytes(32).toString('base64url');
    const csrfToken = randomBytes(24).toString('base64url');
    const now = this.clock.date();
    await this.sessions.delete({ lastSeenAt: LessThan(new Date(now.getTime() - this.idleMs)) });
    await this.sessions.insert({
      idDigest: digestSecret(cookie),
      clientId: holder.principal.clientId,
      credential: holder.credential,
      csrfToken,
      sourceIp: sourceIp?.slice(0, 64) ?? null,
      createdAt: now,
      lastSeenAt: now,
    });
    await this.audit.record({
      action: 'console.signin',
      outcome: 'success',
      actor: { kind: actorKindOf(holder.principal), id: holder.principal.clientId },
      target: { type: 'api_client', id: holder.principal.clientId },
      details: { scopes: holder.principal.scopes },
    });
    return { cookie, session: { principal: holder.principal, csrfToken, idleMinutes: this.config.console.sessionIdleMinutes } };
  }

  /** The session of a cookie value, renewed; null when unknown, idle too long, or its client's credential changed. */
  async resume(cookie: string): Promise<OpenSession | null> {
    if (cookie.length > 128) return null;
    const row = await this.sessions.findOneBy({ idDigest: digestSecret(cookie) });
    if (!row) return null;
    const now = this.clock.now();
    if (now - row.lastSeenAt.getTime() > this.idleMs) {
      await this.sessions.delete({ idDigest: row.idDigest });
      return null;
    }
    const principal = await this.access.principalHolding(row.clientId, row.credential, 'session');
    if (!principal) {
      await this.sessions.delete({ idDigest: row.idDigest });
      return null;
    }
    if (now - row.lastSeenAt.getTime() > TOUCH_RESOLUTION_MS) await this.sessions.update({ idDigest: row.idDigest }, { lastSeenAt: new Date(now) });
    return { principal, csrfToken: row.csrfToken, idleMinutes: this.config.console.sessionIdleMinutes };
  }

  /** Ends a session (sign-out); audited when there was one. */
  async signOut(cookie: string): Promise<void> {
    const row = cookie.length <= 128 ? await this.sessions.findOneBy({ idDigest: digestSecret(cookie) }) : null;
    if (!row) return;
    await this.sessions.delete({ idDigest: row.idDigest });
    await this.audit.record({ action: 'console.signout', outcome: 'success', target: { type: 'api_client', id: row.clientId } });
  }
}

/** Whether the CSRF header presented matches the session's token (constant time). */
export function csrfMatches(presented: string | undefined, expected: string): boolean {
  if (typeof presented !== 'string') return false;
  return sameBytes(Buffer.from(presented), Buffer.from(expected));
}

/** The value of cookie `name` in a Cookie header; null when absent. */
export function cookieValue(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim() || null;
  }
  return null;
}
