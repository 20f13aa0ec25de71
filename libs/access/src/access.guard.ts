import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard, type IAuthGuard } from '@nestjs/passport';
import { AppError, ErrorCode, requestContext, type ActorKind } from '#app/common';
import { AUTH_REQUIREMENT, type AuthRequirement } from './auth.decorators.js';
import { hasScope, Scope, type Principal } from './scopes.js';
import { BASIC_REALM } from './strategies.js';

const CHALLENGES = {
  basic: `Basic realm="${BASIC_REALM}", charset="UTF-8"`,
  bearer: `Bearer realm="${BASIC_REALM}"`,
} as const;

/** Routes without a declared requirement need an admin bearer token: guarded by default. */
const DEFAULT_REQUIREMENT: AuthRequirement = { scheme: 'bearer', scopes: [Scope.Admin] };

export function actorKindOf(principal: Principal): ActorKind {
  if (principal.scopes.includes(Scope.Admin)) return 'admin';
  if (principal.scopes.includes(Scope.Omflow)) return 'omflow';
  return 'client';
}

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

  constructor(private readonly reflector: Reflector) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const requirement =
      this.reflector.getAllAndOverride<AuthRequirement | undefined>(AUTH_REQUIREMENT, [context.getHandler(), context.getClass()]) ?? DEFAULT_REQUIREMENT;
    if (requirement.scheme === 'public' || requirement.scheme === 'external') return true;

    const request = context.switchToHttp().getRequest<{ user?: Principal; headers: Record<string, string | undefined> }>();
    const scheme = requirement.scheme === 'basic-or-bearer' ? (/^basic /i.test(request.headers.authorization ?? '') ? 'basic' : 'bearer') : requirement.scheme;
    const challenge = CHALLENGES[scheme];
    try {
      await this.passport[scheme].canActivate(context);
    } catch {
      const presented = Boolean(request.headers.authorization);
      throw new AppError(
        ErrorCode.AuthRequired,
        presented ? `The ${scheme} credentials are wrong, unknown or revoked.` : `This endpoint needs ${scheme === 'basic' ? 'HTTP Basic' : 'bearer'} credentials.`,
        { challenge },
      );
    }
    const principal = request.user;
    if (!principal) throw new AppError(ErrorCode.AuthRequired, 'Authentication failed.', { challenge });
    requestContext.setActor({ kind: actorKindOf(principal), id: principal.clientId });
    if (requirement.scopes.length && !requirement.scopes.some((scope) => hasScope(principal, scope))) {
      throw new AppError(ErrorCode.AuthForbidden, `Client "${principal.clientId}" lacks the scope ${requirement.scopes.map((s) => `"${s}"`).join(' or ')}.`);
    }
    return true;
  }
}
