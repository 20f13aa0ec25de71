import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { AccessService, bearerTokenOf } from '#app/access';
import { AuditService } from '#app/audit';
import { actorKindOf, AppError, ErrorCode, hasScope, pathOf, requestContext, Scope, type Principal } from '#app/common';
import { BRIDGE_CONFIG, type BridgeConfig } from '#app/config';
import { WorkPlusCode, WorkPlusError } from '#app/workplus';

/**
 * The bridge client secret a caller presents: `?access_token=` (as WorkPlus; the only surface
 * taking it there) or `Authorization: Bearer <token>` in its exact form (RFC 6750).
 */
export function presentedToken(request: Pick<FastifyRequest, 'query' | 'headers'>): string | null {
  const query = (request.query as Record<string, unknown> | undefined)?.access_token;
  if (typeof query === 'string' && query.length) return query;
  return bearerTokenOf(request.headers.authorization);
}

/**
 * The gate of the directory proxy (its routes are `@ExternalAuth()`, so the global guard lets
 * them through). The caller's `access_token` is one of the bridge's own client secrets, never
 * the directory's token; GET needs `directory:read`, everything else `directory:write`; the
 * organisation `{code}` must be one the client may reach and the one the bridge is configured
 * for. Refusals are audited; errors reach the controller's envelope filter.
 */
@Injectable()
export class ProxyAccessGuard implements CanActivate {
  constructor(
    private readonly access: AccessService,
    private readonly audit: AuditService,
    @Inject(BRIDGE_CONFIG) private readonly config: BridgeConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<FastifyRequest & { user?: Principal }>();
    if (!this.config.proxy.enabled) throw new AppError(ErrorCode.RouteNotFound, 'the directory proxy is disabled (PROXY_ENABLED=false).');
    const route = `${request.method} ${pathOf(request)}`;

    const token = presentedToken(request);
    if (!token) throw new AppError(ErrorCode.AuthRequired, 'token not found: pass a bridge client secret as ?access_token=.');
    const principal = await this.access.authenticateBearer(token, 'access-token');
    if (!principal) {
      await this.audit.record({
        action: 'access.auth.failed',
        outcome: 'failure',
        target: { type: 'api_client', id: null },
        details: { scheme: 'access-token', route },
      });
      throw new AppError(ErrorCode.AuthRequired, 'token not found: the access_token is not a live bridge client secret.');
    }
    request.user = principal;
    requestContext.setActor({ kind: actorKindOf(principal), id: principal.clientId });

    const needed = request.method === 'GET' ? Scope.DirectoryRead : Scope.DirectoryWrite;
    if (!hasScope(principal, needed)) {
      await this.deny(route, { requiredScopes: [needed], scopes: principal.scopes });
      throw new AppError(ErrorCode.AuthForbidden, `client "${principal.clientId}" lacks the scope "${needed}".`);
    }
    const code = (request.params as Record<string, string | undefined>).code;
    if (typeof code !== 'string' || (principal.organisations !== null && !principal.organisations.includes(code))) {
      await this.deny(route, { organisation: code ?? null, organisations: principal.organisations });
      throw new AppError(ErrorCode.AuthForbidden, `client "${principal.clientId}" may not reach organisation "${String(code)}".`);
    }
    // The bridge holds a token for one organisation: any other code is unknown to it, as the directory would say.
    if (code !== this.config.directory.orgCode) throw new WorkPlusError(WorkPlusCode.OrganizationNotFound, `organization ${code} not found.`);
    if (!this.config.directory.url || !(this.config.directory.token || this.config.directory.clientSecret)) {
      throw new AppError(ErrorCode.Unavailable, 'the directory is not configured on this bridge (DIRECTORY_URL, DIRECTORY_ORG_CODE and its credentials).');
    }
    return true;
  }

  private deny(route: string, details: Record<string, unknown>): Promise<void> {
    return this.audit.record({ action: 'access.denied', outcome: 'denied', target: { type: 'route', id: route }, details });
  }
}
