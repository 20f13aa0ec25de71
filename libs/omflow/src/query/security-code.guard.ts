import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { actorKindOf, AppError, ErrorCode, requestContext, type Principal } from '#app/common';
import { SecurityCodeService } from './security-code.service.js';

/**
 * The gate of every `/rest/...` query route (marked `@ExternalAuth()`, so the global guard lets
 * it through): `omflow_restapi` must be 1 and `security` a live code. Its errors reach the
 * controller's envelope filter (403 in the envelope).
 */
@Injectable()
export class SecurityCodeGuard implements CanActivate {
  constructor(private readonly codes: SecurityCodeService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<{ body?: unknown; user?: Principal }>();
    const body = typeof request.body === 'object' && request.body !== null && !Array.isArray(request.body) ? (request.body as Record<string, unknown>) : {};
    const flag = body.omflow_restapi;
    if (flag !== 1 && flag !== '1' && flag !== true) {
      throw new AppError(ErrorCode.AuthForbidden, 'This is an OMFLOW REST API: send "omflow_restapi": 1 with the "security" code in a JSON body.');
    }
    const principal = await this.codes.verify(body.security);
    request.user = principal;
    requestContext.setActor({ kind: actorKindOf(principal), id: principal.clientId });
    return true;
  }
}
