import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { type TokenRequestDto, WorkPlusCode, WorkPlusError, type WorkPlusTokenResult } from '#app/workplus';
import { EMULATOR_OPTIONS } from './emulator-state.js';
import type { EmulatorOptions } from './options.js';

interface IssuedToken {
  clientId: string;
  expireTime: number;
}

/**
 * `POST /v1/token`. The emulator knows one application (client id/secret of the options). An
 * application holds ONE token: issuing a new one invalidates the previous one, as the real
 * service does. Unknown, replaced and expired tokens answer 10011 "token not found.".
 */
@Injectable()
export class TokenService {
  private readonly tokens = new Map<string, IssuedToken>();
  private readonly current = new Map<string, string>();

  constructor(@Inject(EMULATOR_OPTIONS) private readonly options: EmulatorOptions) {}

  issue(request: TokenRequestDto): WorkPlusTokenResult {
    const o = this.options;
    // 202102 "no such application": wrong domain, organisation, owner or client id.
    if (request.domain_id !== o.domainId || request.client_id !== o.clientId) throw new WorkPlusError(WorkPlusCode.AppNotFound);
    if (request.org_id !== undefined && request.org_id !== o.orgCode) throw new WorkPlusError(WorkPlusCode.AppNotFound);
    if (request.org_id === undefined && request.owner_id !== o.domainId) throw new WorkPlusError(WorkPlusCode.AppNotFound);
    if (request.client_secret !== o.clientSecret) throw new WorkPlusError(WorkPlusCode.AppAuthFailed);
    const previous = this.current.get(request.client_id);
    if (previous !== undefined) this.tokens.delete(previous);
    const accessToken = randomBytes(16).toString('hex');
    const issued = o.clock();
    const expireTime = issued + o.tokenTtlSeconds * 1000;
    this.tokens.set(accessToken, { clientId: request.client_id, expireTime });
    this.current.set(request.client_id, accessToken);
    return { access_token: accessToken, refresh_token: accessToken, issued_time: issued, expire_time: expireTime, client_id: request.client_id };
  }

  /** Throws 10011 unless the token is live. */
  verify(accessToken: string | undefined): void {
    const token = accessToken === undefined ? undefined : this.tokens.get(accessToken);
    if (!token) throw new WorkPlusError(WorkPlusCode.TokenNotFound);
    if (token.expireTime <= this.options.clock()) {
      this.tokens.delete(accessToken!);
      throw new WorkPlusError(WorkPlusCode.TokenNotFound);
    }
  }

  /** Expires every live token now (the "expired token" fault); returns how many. */
  expireAll(): number {
    const now = this.options.clock();
    let n = 0;
    for (const token of this.tokens.values()) {
      if (token.expireTime > now) n += 1;
      token.expireTime = now;
    }
    return n;
  }
}
