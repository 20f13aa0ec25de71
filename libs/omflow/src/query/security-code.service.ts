import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AccessService, hasScope, Scope, type Principal } from '#app/access';
import { AppError, ErrorCode } from '#app/common';
import { BRIDGE_CONFIG, type BridgeConfig } from '#app/config';
import { TransactionRunner } from '#app/database';
import { QueryClock } from './query-clock.js';

type Row = Record<string, unknown>;

/** OMFLOW's answer to wrong credentials or a disabled account, in English. */
export const NO_SUCH_CLIENT = 'User does not exist or is not enabled.';
/** Renewals closer together than this are not written (one UPDATE per second per code at most). */
const RENEW_GRANULARITY_MS = 1000;

/**
 * Security codes of the query API, kept in `omflow_security_code` so that they survive restarts
 * and work on every instance. One live code per client: asking again while it lives returns it
 * (and renews it); a code expires after SECURITY_CODE_TTL_SECONDS without use.
 */
@Injectable()
export class SecurityCodeService {
  private readonly ttlMs: number;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly transactions: TransactionRunner,
    private readonly access: AccessService,
    private readonly clock: QueryClock,
    @Inject(BRIDGE_CONFIG) config: BridgeConfig,
  ) {
    this.ttlMs = config.query.securityCodeTtlSeconds * 1000;
  }

  /** Checks HTTP Basic credentials of a client holding `users:query` and returns its code. */
  async issue(authorization: string | undefined): Promise<{ code: string; principal: Principal }> {
    const credentials = parseBasic(authorization);
    if (!credentials) throw new AppError(ErrorCode.AuthRequired, `${NO_SUCH_CLIENT} Send HTTP Basic credentials of a bridge API client.`);
    const principal = await this.access.authenticateBasic(credentials.id, credentials.secret, 'basic');
    if (!principal) throw new AppError(ErrorCode.AuthRequired, NO_SUCH_CLIENT, { clientId: credentials.id.slice(0, 64) });
    if (!hasScope(principal, Scope.UsersQuery)) {
      throw new AppError(ErrorCode.AuthForbidden, `Client "${principal.clientId}" lacks the scope "${Scope.UsersQuery}".`, { clientId: principal.clientId });
    }
    return { code: await this.codeFor(principal.clientId), principal };
  }

  private async codeFor(clientId: string): Promise<string> {
    for (let attempt = 0; ; attempt++) {
      const now = this.clock.now();
      try {
        return await this.transactions.transaction(async (m) => {
          const rows = await m.query<Row[]>('SELECT code, last_used_at FROM omflow_security_code WHERE client_id = ?', [clientId]);
          const live = rows[0];
          if (live && Number(live.last_used_at) + this.ttlMs > now) {
            await m.query('UPDATE omflow_security_code SET last_used_at = ? WHERE code = ?', [now, live.code]);
            return String(live.code);
          }
          if (live) await m.query('DELETE FROM omflow_security_code WHERE code = ?', [live.code]);
          const code = randomUUID();
          await m.query('INSERT INTO omflow_security_code (code, client_id, issued_at, last_used_at) VALUES (?, ?, ?, ?)', [code, clientId, now, now]);
          return code;
        });
      } catch (error) {
        // Another instance issued one at the same moment (unique client_id): read theirs.
        if (attempt < 2 && /duplicate|unique/i.test(String((error as Error).message))) continue;
        throw error;
      }
    }
  }

  /**
   * The client behind a live code, renewing it; 403 in the envelope for a missing, unknown or
   * expired code, or for a client revoked or stripped of `users:query` since.
   */
  async verify(code: unknown): Promise<Principal> {
    if (code === undefined || code === null || code === '')
      throw new AppError(ErrorCode.AuthForbidden, 'The "security" code is missing; get one from /accounts/api/security/get/.');
    if (typeof code !== 'string' || code.length > 64)
      throw new AppError(ErrorCode.AuthForbidden, 'The "security" code is unknown or has expired; get a new one from /accounts/api/security/get/.');
    const now = this.clock.now();
    const rows = await this.dataSource.query<Row[]>(
      'SELECT s.client_id AS client_id, s.last_used_at AS last_used_at, c.name AS name, c.scopes AS scopes, c.organisations AS organisations FROM omflow_security_code s JOIN api_client c ON c.id = s.client_id AND c.revoked_at IS NULL WHERE s.code = ?',
      [code],
    );
    const row = rows[0];
    const lastUsed = Number(row?.last_used_at ?? 0);
    if (!row || lastUsed + this.ttlMs <= now) {
      throw new AppError(ErrorCode.AuthForbidden, 'The "security" code is unknown or has expired; get a new one from /accounts/api/security/get/.');
    }
    const principal: Principal = {
      clientId: String(row.client_id),
      name: String(row.name),
      scopes: typeof row.scopes === 'string' ? (JSON.parse(row.scopes) as Scope[]) : [],
      organisations: typeof row.organisations === 'string' ? (JSON.parse(row.organisations) as string[] | null) : null,
      via: 'security-code',
    };
    if (!hasScope(principal, Scope.UsersQuery))
      throw new AppError(ErrorCode.AuthForbidden, `Client "${principal.clientId}" lacks the scope "${Scope.UsersQuery}".`);
    if (now - lastUsed >= RENEW_GRANULARITY_MS) {
      await this.dataSource.query('UPDATE omflow_security_code SET last_used_at = ? WHERE code = ? AND last_used_at < ?', [now, code, now]);
    }
    return principal;
  }
}

function parseBasic(header: string | undefined): { id: string; secret: string } | null {
  const m = /^basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!m) return null;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon > 0 ? { id: decoded.slice(0, colon), secret: decoded.slice(colon + 1) } : null;
}
