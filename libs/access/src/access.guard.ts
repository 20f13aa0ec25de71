import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard, type IAuthGuard } from '@nestjs/passport';
import { AuditService } from '#app/audit';
import {
  actorKindOf,
  AppError,
  AUTH_REQUIREMENT,
  basicCredentials,
  ErrorCode,
  hasScope,
  pathOf,
  requestContext,
  Scope,
  type AuthRequirement,
  type Principal,
} from '#app/common';
import { BRIDGE_CONFIG, type BridgeConfig } from '#app/config';
import { BASIC_REALM } from './strategies.js';
import { ConsoleSessionService, cookieValue, CSRF_HEADER, csrfMatches, SESSION_COOKIE } from './console-session.service.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

const CHALLENGES = {
  basic: `Basic realm="${BASIC_REALM}", charset="UTF-8"`,
  bearer: `Bearer realm="${BASIC_REALM}"`,
} as const;

/** Routes without a declared requirement need an admin bearer token: guarded by default. */
const DEFAULT_REQUIREMENT: AuthRequirement = { scheme: 'bearer', scopes: [Scope.Admin] };

/**
 * The one guard of the bridge, registered as APP_GUARD. It runs the passport strategy the
 * route declares, then checks scopes. Failures become coded errors: 401 with a challenge
 * (passport's own 401 has no `WWW-Authenticate`), 403 for a missing scope.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  private readonly passport: Record<'basic' | 'bearer', IAuthGuard> = {
    basic: new (AuthGuard('basic'))(),
    bearer: new (AuthGuard('bearer'))(),
  };

  constructor(
    private readonly reflector: Reflector,
    private readonly audit: AuditService,
    @Inject(BRIDGE_CONFIG) private readonly config: BridgeConfig,
    private readonly sessions: ConsoleSessionService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const requirement =
      this.reflector.getAllAndOverride<AuthRequirement | undefined>(AUTH_REQUIREMENT, [context.getHandler(), context.getClass()]) ?? DEFAULT_REQUIREMENT;
    if (requirement.scheme === 'public' || requirement.scheme === 'external') return true;

    const request = context.switchToHttp().getRequest<{ user?: Principal; headers: Record<string, string | undefined>; method: string; url: string }>();
    // The console's session cookie stands in for a bearer token (never for HTTP Basic, OMFLOW's scheme), when no Authorization header is sent.
    const cookie = requirement.scheme !== 'basic' && !request.headers.authorization ? cookieValue(request.headers.cookie, SESSION_COOKIE) : null;
    if (cookie !== null && this.config.console.enabled) {
      const session = await this.sessions.resume(cookie);
      if (!session)
        throw new AppError(
          ErrorCode.AuthRequired,
          'The console session ended (signed out, idle too long, or the client was rotated or revoked): sign in again.',
          { challenge: CHALLENGES.bearer },
        );
      if (!SAFE_METHODS.has(request.method) && !csrfMatches(request.headers[CSRF_HEADER], session.csrfToken)) {
        await this.audit.record({
          action: 'access.csrf.refused',
          outcome: 'denied',
          actor: { kind: actorKindOf(session.principal), id: session.principal.clientId },
          target: { type: 'route', id: `${request.method} ${pathOf(request)}` },
        });
        throw new AppError(ErrorCode.AuthForbidden, `A change made with a console session needs the session's CSRF token in the ${CSRF_HEADER} header.`);
      }
      request.user = session.principal;
      return this.authorise(request, requirement.scopes, session.principal);
    }
    const scheme = requirement.scheme === 'basic-or-bearer' ? (/^basic /i.test(request.headers.authorization ?? '') ? 'basic' : 'bearer') : requirement.scheme;
    const challenge = CHALLENGES[scheme];
    try {
      await this.passport[scheme].canActivate(context);
    } catch {
      const presented = Boolean(request.headers.authorization);
      if (presented) {
        // The presented client id (never the secret) as target: who was being tried.
        await this.audit.record({
          action: 'access.auth.failed',
          outcome: 'failure',
          target: { type: 'api_client', id: basicCredentials(request.headers.authorization)?.user.slice(0, 64) || null },
          details: { scheme, route: `${request.method} ${pathOf(request)}` },
        });
      }
      throw new AppError(
        ErrorCode.AuthRequired,
        presented
          ? `The ${scheme} credentials are wrong, unknown or revoked.`
          : `This endpoint needs ${scheme === 'basic' ? 'HTTP Basic' : 'bearer'} credentials.`,
        { challenge },
      );
    }
    const principal = request.user;
    if (!principal) throw new AppError(ErrorCode.AuthRequired, 'Authentication failed.', { challenge });
    return this.authorise(request, requirement.scopes, principal);
  }

  /** The scopes check, once the caller is known. */
  private async authorise(request: { method: string; url: string }, scopes: readonly Scope[], principal: Principal): Promise<boolean> {
    requestContext.setActor({ kind: actorKindOf(principal), id: principal.clientId });
    if (scopes.length && !scopes.some((scope) => hasScope(principal, scope))) {
      await this.audit.record({
        action: 'access.denied',
        outcome: 'denied',
        target: { type: 'route', id: `${request.method} ${pathOf(request)}` },
        details: { requiredScopes: scopes, scopes: principal.scopes },
      });
      throw new AppError(ErrorCode.AuthForbidden, `Client "${principal.clientId}" lacks the scope ${scopes.map((s) => `"${s}"`).join(' or ')}.`);
    }
    return true;
  }
}
