import { timingSafeEqual } from 'node:crypto';
import { type CanActivate, type ExecutionContext, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import type { OmflowEmulatorOptions } from './options.js';
import { OMFLOW_EMULATOR_OPTIONS } from './tokens.js';

/** `Authorization: Bearer <OMFLOW_EMULATOR_ADMIN_TOKEN>` on the admin calls, when a token is configured. */
@Injectable()
export class AdminGuard implements CanActivate {
  private readonly token: Buffer | null;

  constructor(@Inject(OMFLOW_EMULATOR_OPTIONS) options: OmflowEmulatorOptions) {
    this.token = options.adminToken ? Buffer.from(options.adminToken) : null;
  }

  canActivate(context: ExecutionContext): boolean {
    if (!this.token) return true;
    const header = context.switchToHttp().getRequest<{ headers: Record<string, string | undefined> }>().headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    const given = match ? Buffer.from(match[1]) : Buffer.alloc(0);
    if (given.length === this.token.length && timingSafeEqual(given, this.token)) return true;
    throw new UnauthorizedException('The admin calls need Authorization: Bearer <OMFLOW_EMULATOR_ADMIN_TOKEN>.');
  }
}
