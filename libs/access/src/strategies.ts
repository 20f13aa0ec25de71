import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { IncomingHttpHeaders } from 'node:http';
import { BasicStrategy as PassportBasic } from 'passport-http';
import { Strategy as PassportBearer, type VerifyFunction } from 'passport-http-bearer';
import type { Principal } from '#app/common';
import { AccessService } from './access.service.js';
import { bearerTokenOf } from './bearer-token.js';

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

/**
 * passport-http-bearer also reads `access_token` from the body and the query string (RFC 6750
 * §2.2, §2.3), where URLs, proxies and logs keep it, and splits the header loosely. The bridge's
 * API takes the header only, in its exact form: the strategy is shown nothing else. (The
 * WorkPlus proxy, whose contract puts `access_token` in the URL, has its own guard.)
 */
class HeaderBearer extends PassportBearer<VerifyFunction> {
  override authenticate(req: { headers: IncomingHttpHeaders }, options?: object): void {
    const token = bearerTokenOf(req.headers.authorization);
    super.authenticate(
      { headers: token === null ? {} : { authorization: `Bearer ${token}` } } as unknown as Parameters<PassportBearer<VerifyFunction>['authenticate']>[0],
      options,
    );
  }
}

/** `Authorization: Bearer <secret>`, nowhere else. */
@Injectable()
export class BearerStrategy extends PassportStrategy(HeaderBearer, 'bearer') {
  constructor(private readonly access: AccessService) {
    super({ realm: BASIC_REALM });
  }

  async validate(token: string): Promise<Principal | false> {
    return (await this.access.authenticateBearer(token)) ?? false;
  }
}
