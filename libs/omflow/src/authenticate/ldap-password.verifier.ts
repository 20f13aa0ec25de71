import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { Client, FilterParser, ResultCodeError } from 'ldapts';
import { BRIDGE_CONFIG, type BridgeConfig, ConfigError } from '#app/config';
import { ConnectionPool } from './ldap-connection-pool.js';
import { bindFailure, describeLdapError, escapeDnValue, escapeFilterValue, fillTemplate, unavailability } from './ldap-rules.js';
import { isUnavailable, PasswordVerifier, type UpstreamContact, type VerifyResult } from './password-verifier.js';

/** A bind name no directory holds, for the binds that must not succeed (see verify). */
const NOBODY = 'omflow-bridge-no-such-user';

/** The user's entry, or why there is none to bind to. */
type Lookup = { dn: string } | { dn: null; reason: 'no_credential' } | { dn: null; unavailable: VerifyResult };

/**
 * AUTH_VERIFIER=ldap: a password is right when the directory (OpenLDAP, Active Directory) accepts
 * a simple bind with it, on a connection of its own that is closed at once (a bind changes the
 * connection's identity). The bind name comes from AUTH_LDAP_BIND_DN_TEMPLATE, or from a search
 * with a service account on a small pool of connections (search-then-bind).
 *
 * Every attempt does the same work: one lookup (search-then-bind) and one bind. An unknown user,
 * an ambiguous search or an empty password is bound under a name nobody holds with a random
 * password, and refused whatever the answer: an empty password is never sent, since a simple bind
 * with a name and no password is an "unauthenticated bind" that many servers answer with success.
 * Active Directory's sub-codes say why a bind failed (ldap-rules.ts); a server that cannot be
 * reached, times out or fails TLS is an upstream failure, never a wrong password.
 */
@Injectable()
export class LdapPasswordVerifier extends PasswordVerifier implements OnModuleDestroy {
  readonly kind = 'ldap' as const;
  private readonly logger = new Logger(LdapPasswordVerifier.name);
  private readonly url: string;
  private readonly tls: ConnectionOptions;
  private readonly pool: ConnectionPool<Client> | null;
  /** The password of the binds that must fail: random, never a user's. */
  private readonly nobodyPassword = randomBytes(24).toString('base64url');
  private readonly nobodyDn: string;
  private contact: UpstreamContact | null = null;

  constructor(@Inject(BRIDGE_CONFIG) private readonly config: BridgeConfig) {
    super();
    const auth = config.auth;
    if (!auth.ldapUrl) throw new ConfigError('AUTH_LDAP_URL', 'is required when AUTH_VERIFIER=ldap');
    this.url = auth.ldapUrl;
    this.tls = { rejectUnauthorized: auth.ldapTlsVerify, minVersion: 'TLSv1.2' };
    if (auth.ldapCaFile) {
      try {
        this.tls.ca = [readFileSync(auth.ldapCaFile)];
      } catch (error) {
        throw new ConfigError('AUTH_LDAP_CA_FILE', `names a file that cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`, auth.ldapCaFile);
      }
    }
    if (!auth.ldapTlsVerify)
      this.logger.warn("AUTH_LDAP_TLS_VERIFY=false: the directory server's certificate is not checked; passwords can be read by anyone in the path");
    if (auth.ldapBindDnTemplate) {
      this.pool = null;
      this.nobodyDn = fillTemplate(auth.ldapBindDnTemplate, NOBODY, escapeDnValue);
    } else {
      try {
        FilterParser.parseString(this.filterFor('probe'));
      } catch (error) {
        throw new ConfigError('AUTH_LDAP_SEARCH_FILTER', `is not a valid LDAP filter (${(error as Error).message})`, auth.ldapSearchFilter);
      }
      this.nobodyDn = `cn=${NOBODY},${auth.ldapSearchBase ?? ''}`;
      this.pool = new ConnectionPool(auth.ldapPoolSize, () => this.openServiceConnection(), auth.ldapTimeoutMs);
    }
  }

  async verify(username: string, password: string): Promise<VerifyResult> {
    const result = await this.check(username, password);
    const unavailable = !result.ok && isUnavailable(result.reason);
    this.contact = unavailable
      ? { ok: false, at: new Date(), reason: !result.ok && result.reason === 'upstream_timeout' ? 'upstream_timeout' : 'upstream_error' }
      : { ok: true, at: new Date() };
    return result;
  }

  override lastContact(): UpstreamContact | null {
    return this.contact;
  }

  private async check(username: string, password: string): Promise<VerifyResult> {
    const found = await this.lookUp(username);
    if (found.dn === null && 'unavailable' in found) return found.unavailable;
    // Never an empty password (an unauthenticated bind), never a user's password under a name nobody holds.
    const real = found.dn !== null && password !== '';
    const result = await this.bind(real ? found.dn : this.nobodyDn, real ? password : this.nobodyPassword);
    if (real) return result;
    if (!result.ok && (result.reason === 'upstream_timeout' || result.reason === 'upstream_error')) return result;
    return { ok: false, reason: found.dn === null ? 'no_credential' : 'wrong_password' };
  }

  async onModuleDestroy(): Promise<void> {
    await this.pool?.close();
  }

  /** The bind name of `username`: from the template, or the one entry the search finds. */
  private async lookUp(username: string): Promise<Lookup> {
    const auth = this.config.auth;
    if (!this.pool) return { dn: fillTemplate(auth.ldapBindDnTemplate ?? '', username, escapeDnValue) };
    try {
      const { searchEntries } = await this.pool.use((client) =>
        client.search(auth.ldapSearchBase ?? '', {
          scope: 'sub',
          filter: this.filterFor(username),
          attributes: ['1.1'],
          sizeLimit: 2,
          timeLimit: Math.ceil(auth.ldapTimeoutMs / 1000),
        }),
      );
      if (searchEntries.length === 1) return { dn: searchEntries[0].dn };
      if (searchEntries.length > 1) this.logger.warn('AUTH_LDAP_SEARCH_FILTER matches several directory entries for one username: refused');
      return { dn: null, reason: 'no_credential' };
    } catch (error) {
      this.logger.warn(`Directory search failed: ${describeLdapError(error)}`);
      return { dn: null, unavailable: { ok: false, reason: unavailability(error) } };
    }
  }

  /** One simple bind on a connection of its own, closed afterwards whatever happened. */
  private async bind(dn: string, password: string): Promise<VerifyResult> {
    let client: Client | undefined;
    try {
      client = await this.connect();
      await client.bind(dn, password);
      return { ok: true, mustChange: false };
    } catch (error) {
      const result = bindFailure(error);
      if (!result.ok && (result.reason === 'upstream_timeout' || result.reason === 'upstream_error')) {
        this.logger.warn(`Directory bind failed: ${describeLdapError(error)}`);
      }
      return result;
    } finally {
      await client?.unbind().catch(() => undefined);
    }
  }

  /** A connection bound as the service account (for the pool). */
  private async openServiceConnection(): Promise<Client> {
    const client = await this.connect();
    try {
      await client.bind(this.config.auth.ldapBindDn ?? '', this.config.auth.ldapBindPassword ?? '');
      return client;
    } catch (error) {
      await client.unbind().catch(() => undefined);
      if (error instanceof ResultCodeError && error.code === 49) {
        this.logger.error('The directory refused the service account (AUTH_LDAP_BIND_DN / AUTH_LDAP_BIND_PASSWORD): no login can be checked');
        // A configuration problem, not the user's: an upstream failure, never counted.
        throw new Error('service account refused', { cause: error });
      }
      throw error;
    }
  }

  /**
   * A client for one connection (ldapts connects at the first operation, within
   * AUTH_LDAP_CONNECT_TIMEOUT_MS, LDAPS handshake included), upgraded with StartTLS first when
   * asked: ldapts does not time that handshake, so the same deadline covers it here.
   */
  private async connect(): Promise<Client> {
    const auth = this.config.auth;
    // TLS options on an ldap:// URL would make ldapts speak TLS from the first byte: only for ldaps://.
    const secure = this.url.startsWith('ldaps:');
    const client = new Client({
      url: this.url,
      connectTimeout: auth.ldapConnectTimeoutMs,
      timeout: auth.ldapTimeoutMs,
      ...(secure ? { tlsOptions: this.tls } : {}),
    });
    if (!auth.ldapStartTls) return client;
    const host = new URL(this.url).hostname;
    const upgraded = client.startTLS({ ...this.tls, host, ...(isIP(host) ? {} : { servername: host }) });
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(Object.assign(new Error('Connection timeout (StartTLS)'), { name: 'TimeoutError' })), auth.ldapConnectTimeoutMs);
    });
    try {
      await Promise.race([upgraded, deadline]);
      return client;
    } catch (error) {
      upgraded.catch(() => undefined);
      await client.unbind().catch(() => undefined);
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  private filterFor(username: string): string {
    return fillTemplate(this.config.auth.ldapSearchFilter ?? '', username, escapeFilterValue);
  }
}
