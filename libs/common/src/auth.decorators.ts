import { applyDecorators, createParamDecorator, type ExecutionContext, SetMetadata } from '@nestjs/common';
import { ApiBasicAuth, ApiBearerAuth, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { ErrorBodyDto } from './error-body.dto.js';
import type { Principal, Scope } from './scopes.js';

export const AUTH_REQUIREMENT = 'bridge:auth';

/**
 * How a route authenticates. `basic` and `bearer` are enforced by the global AccessGuard (libs/access);
 * `external` routes are guarded by their own lib's guard (OMFLOW security codes, directory
 * access tokens), which still fills the request's principal.
 */
export type AuthRequirement = { scheme: 'public' } | { scheme: 'basic' | 'bearer' | 'basic-or-bearer'; scopes: Scope[] } | { scheme: 'external' };

export const BASIC_SECURITY = 'basic';
export const BEARER_SECURITY = 'bearer';

/** No authentication (health, docs). */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(AUTH_REQUIREMENT, { scheme: 'public' } satisfies AuthRequirement);

/** HTTP Basic with a client id and secret holding any of `scopes` (or `admin`). */
export const BasicAuth = (...scopes: Scope[]): MethodDecorator & ClassDecorator =>
  applyDecorators(
    SetMetadata(AUTH_REQUIREMENT, { scheme: 'basic', scopes } satisfies AuthRequirement),
    ApiBasicAuth(BASIC_SECURITY),
    ApiUnauthorizedResponse({ description: 'Missing or wrong HTTP Basic credentials (with a `WWW-Authenticate: Basic` challenge).', type: ErrorBodyDto }),
    ApiForbiddenResponse({ description: `The client lacks the scope (${scopes.join(' or ')}).`, type: ErrorBodyDto }),
  );

/** `Authorization: Bearer <client secret>` holding any of `scopes` (or `admin`). */
export const BearerAuth = (...scopes: Scope[]): MethodDecorator & ClassDecorator =>
  applyDecorators(
    SetMetadata(AUTH_REQUIREMENT, { scheme: 'bearer', scopes } satisfies AuthRequirement),
    ApiBearerAuth(BEARER_SECURITY),
    ApiUnauthorizedResponse({ description: 'Missing, unknown or revoked bearer token.', type: ErrorBodyDto }),
    ApiForbiddenResponse({ description: `The client lacks the scope (${scopes.join(' or ')}).`, type: ErrorBodyDto }),
  );

/** Either HTTP Basic or a bearer token, whichever the request carries; any scope when none is named. */
export const AnyClientAuth = (...scopes: Scope[]): MethodDecorator & ClassDecorator =>
  applyDecorators(
    SetMetadata(AUTH_REQUIREMENT, { scheme: 'basic-or-bearer', scopes } satisfies AuthRequirement),
    ApiBasicAuth(BASIC_SECURITY),
    ApiBearerAuth(BEARER_SECURITY),
    ApiUnauthorizedResponse({ description: 'Missing, wrong or revoked credentials.', type: ErrorBodyDto }),
  );

/** The route's own guard authenticates (see AuthRequirement). */
export const ExternalAuth = (): MethodDecorator & ClassDecorator => SetMetadata(AUTH_REQUIREMENT, { scheme: 'external' } satisfies AuthRequirement);

/** The authenticated caller of the request. */
export const CurrentPrincipal = createParamDecorator((_data: unknown, ctx: ExecutionContext): Principal => {
  const principal = ctx.switchToHttp().getRequest<{ user?: Principal }>().user;
  if (!principal) throw new Error('CurrentPrincipal used on a route without authentication');
  return principal;
});
