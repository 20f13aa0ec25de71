import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { WorkPlusCode, WorkPlusError } from '#app/workplus';
import { EMULATOR_OPTIONS } from './emulator-state.js';
import type { EmulatorOptions } from './options.js';
import { TokenService } from './token.service.js';

/** `?access_token=` must be the application's live token (10011), `{code}` the organisation (208502). */
@Injectable()
export class AccessTokenGuard implements CanActivate {
  constructor(
    private readonly tokens: TokenService,
    @Inject(EMULATOR_OPTIONS) private readonly options: EmulatorOptions,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<FastifyRequest<{ Querystring: { access_token?: unknown }; Params: { code?: string } }>>();
    const token = request.query.access_token;
    this.tokens.verify(typeof token === 'string' ? token : undefined);
    const code = request.params.code;
    if (code !== undefined && code !== this.options.orgCode) throw new WorkPlusError(WorkPlusCode.OrganizationNotFound);
    return true;
  }
}
