import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { BasicStrategy as PassportBasic } from 'passport-http';
import { Strategy as PassportBearer } from 'passport-http-bearer';
import { AccessService } from './access.service.js';
import type { Principal } from './scopes.js';

export const BASIC_REALM = 'omflow-hr-bridge';

/** HTTP Basic (passport-http): client id as user name, client secret as password. */
@Injectable()
export class BasicStrategy extends PassportStrategy(PassportBasic, 'basic') {
  constructor(private readonly access: AccessService) {
    super({ realm: BASIC_REALM });
  }

  async validate(clientId: string, secret: string): Promise<Principal | false> {
    return (await this.access.authenticateBasic(clientId, secret)) ?? false;
  }
}

/** `Authorization: Bearer <secret>` (passport-http-bearer). */
@Injectable()
export class BearerStrategy extends PassportStrategy(PassportBearer, 'bearer') {
  constructor(private readonly access: AccessService) {
    super({ realm: BASIC_REALM });
  }

  async validate(token: string): Promise<Principal | false> {
    return (await this.access.authenticateBearer(token)) ?? false;
  }
}
