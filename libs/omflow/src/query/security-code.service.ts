import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { AccessService, activeClientJoin } from '#app/access';
import { AppError, basicCredentials, Clock, ErrorCode, hasScope, Scope, type Principal } from '#app/common';
import { BRIDGE_CONFIG, type BridgeConfig } from '#app/config';
import { DirectSql, TransactionRunner } from '#app/database';

type Row = Record<string, unknown>;

/** OMFLOW's answer to wrong credentials or a disabled account, in English. */
export const NO_SUCH_CLIENT = 'User does not exist or is not enabled.';
/** Renewals closer together than this are not written (one UPDATE per second per code at most). */
const RENEW_GRANULARITY_MS = 1000;

/** A code and the active client it was issued to, in one indexed statement (the client part as the access library reads it). */
const CLIENT = activeClientJoin('c', 's.client_id');
const CODE_AND_CLIENT = `SELECT s.client_id AS client_id, s.credential AS credential, s.last_used_at AS last_used_at, ${CLIENT.columns}
  FROM omflow_security_code s ${CLIENT.join} WHERE s.code = ?`;

/**
 * Security codes of the query API, kept in `omflow_security_code` so that they survive restarts
 * and work on every instance. One live code per client: asking again while it lives returns it
 * (and renews it); a code expires after SECURITY_CODE_TTL_SECONDS without use. A code keeps the
 * version of the client credential it was issued under and is honoured only while the client
 * still holds it: rotating, replacing or revoking the secret ends the code at its next use, on
 * every instance, whoever did it and however (API, environment, another instance), and even when
 * a code was being issued at that very moment. Nothing has to remember to tell the codes.
 */
@Injectable()
export class SecurityCodeService {
  private readonly ttlMs: number;

  constructor(
    private readonly sql: DirectSql,
    private readonly transactions: TransactionRunner,
    private readonly access: AccessService,
    private readonly clock: Clock,
    @Inject(BRIDGE_CONFIG) config: BridgeConfig,
  ) {
    this.ttlMs = config.query.securityCodeTtlSeconds * 1000;
  }

  /** Checks HTTP Basic credentials of a client holding `users:query` and returns its code. */
  async issue(authorization: string | undefined): Promise<{ code: string; principal: Principal }> {
    const basic = basicCredentials(authorization);
    const credentials = basic?.user ? { id: basic.user, secret: basic.password } : null;
    if (!credentials) throw new AppError(ErrorCode.AuthRequired, `${NO_SUCH_CLIENT} Send HTTP Basic credentials of a bridge API client.`);
    const holder = await this.access.authenticateBasicHolder(credentials.id, credentials.secret, 'basic');
    if (!holder) throw new AppError(ErrorCode.AuthRequired, NO_SUCH_CLIENT, { clientId: credentials.id.slice(0, 64) });
    const { principal, credential } = holder;
    if (!hasScope(principal, Scope.UsersQuery)) {
      throw new AppError(ErrorCode.AuthForbidden, `Client "${principal.clientId}" lacks the scope "${Scope.UsersQuery}".`, { clientId: principal.clientId });
    }
    return { code: await this.codeFor(principal.clientId, credential), principal };
  }

  private async codeFor(clientId: string, credential: string): Promise<string> {
    for (let attempt = 0; ; attempt++) {
      const now = this.clock.now();
      try {
        return await this.transactions.transaction(async (m) => {
          const rows = await m.query<Row[]>('SELECT code, last_used_at, credential FROM omflow_security_code WHERE client_id = ?', [clientId]);
          const live = rows[0];
          // A code issued under an earlier credential is not handed to the new one.
          if (live && live.credential === credential && Number(live.last_used_at) + this.ttlMs > now) {
            await m.query('UPDATE omflow_security_code SET last_used_at = ? WHERE code = ?', [now, live.code]);
            return String(live.code);
          }
          if (live) await m.query('DELETE FROM omflow_security_code WHERE code = ?', [live.code]);
          const code = randomUUID();
          await m.query('INSERT INTO omflow_security_code (code, client_id, credential, issued_at, last_used_at) VALUES (?, ?, ?, ?, ?)', [
            code,
            clientId,
            credential,
            now,
            now,
          ]);
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
   * expired code, for a code whose client was revoked or whose secret changed since it was
   * issued (the code is then deleted), or for a client stripped of `users:query` since.
   */
  async verify(code: unknown): Promise<Principal> {
    if (code === undefined || code === null || code === '')
      throw new AppError(ErrorCode.AuthForbidden, 'The "security" code is missing; get one from /accounts/api/security/get/.');
    if (typeof code !== 'string' || code.length > 64)
      throw new AppError(ErrorCode.AuthForbidden, 'The "security" code is unknown or has expired; get a new one from /accounts/api/security/get/.');
    const now = this.clock.now();
    const rows = await this.sql.rows<Row>(CODE_AND_CLIENT, [code]);
    const row = rows[0];
    const lastUsed = Number(row?.last_used_at ?? 0);
    if (!row || lastUsed + this.ttlMs <= now) {
      throw new AppError(ErrorCode.AuthForbidden, 'The "security" code is unknown or has expired; get a new one from /accounts/api/security/get/.');
    }
    const principal = this.access.principalHoldingJoined(CLIENT, row, String(row.credential), 'security-code');
    if (!principal) {
      // Rotated, replaced or revoked since: the code is over for good, whatever happens to the client next.
      await this.sql.run('DELETE FROM omflow_security_code WHERE code = ?', [code]);
      throw new AppError(
        ErrorCode.AuthForbidden,
        'The "security" code is no longer valid: its client was revoked or its secret changed; get a new one from /accounts/api/security/get/.',
      );
    }
    if (!hasScope(principal, Scope.UsersQuery))
      throw new AppError(ErrorCode.AuthForbidden, `Client "${principal.clientId}" lacks the scope "${Scope.UsersQuery}".`);
    if (now - lastUsed >= RENEW_GRANULARITY_MS) {
      await this.sql.run('UPDATE omflow_security_code SET last_used_at = ? WHERE code = ? AND last_used_at < ?', [now, code, now]);
    }
    return principal;
  }
}
