import { createHash } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, Not, type Repository } from 'typeorm';
import { BRIDGE_CONFIG, type BridgeConfig } from '#app/config';
import { DirectSql, jsonColumn } from '#app/database';
import { AuditService } from '#app/audit';
import { AppError, ErrorCode, hasScope, Scope, type Principal } from '#app/common';
import { ApiClient, type ClientOrigin } from './api-client.entity.js';
import { digestSecret, generateSecret, secretMatches } from './secrets.js';

export const ADMIN_CLIENT_ID = 'admin';

/** A client and, once only, its secret. */
export interface IssuedClient {
  client: ApiClient;
  secret: string;
}

export interface NewClient {
  id?: string;
  name: string;
  description?: string | null;
  scopes: Scope[];
  organisations?: string[] | null;
}

export interface ClientPage {
  items: ApiClient[];
  total: number;
}

/** A client authenticated by its secret, and a name for the credential it proved. */
export interface CredentialHolder {
  principal: Principal;
  /** Opaque; changes whenever the client's credential does (see credentialVersion). */
  credential: string;
}

/** The digest a missing client is compared against, so that unknown ids cost the same time. */
const DUMMY_DIGEST = digestSecret('no such client');

/** How long a client's `last_used_at` may lag, so that authentication does not write on every request. */
const LAST_USED_RESOLUTION_MS = 60_000;

@Injectable()
export class AccessService {
  private readonly logger = new Logger(AccessService.name);
  private readonly lastUsedWritten = new Map<string, number>();

  constructor(
    @InjectRepository(ApiClient) private readonly clients: Repository<ApiClient>,
    @Inject(BRIDGE_CONFIG) private readonly config: BridgeConfig,
    private readonly audit: AuditService,
    private readonly sql: DirectSql,
  ) {}

  /** HTTP Basic: client id and secret. Null when unknown, revoked or wrong. */
  async authenticateBasic(clientId: string, secret: string, via: Principal['via'] = 'basic'): Promise<Principal | null> {
    return (await this.authenticateBasicHolder(clientId, secret, via))?.principal ?? null;
  }

  /**
   * HTTP Basic, also naming the credential that was presented, for what is handed out against it
   * (an OMFLOW security code): keep `credential` with it, and honour it only while
   * `principalHolding` still finds the client holding that credential.
   */
  async authenticateBasicHolder(clientId: string, secret: string, via: Principal['via'] = 'basic'): Promise<CredentialHolder | null> {
    const client = clientId.length <= 64 ? await this.activeClient('id', clientId) : null;
    const ok = secretMatches(secret, client?.secretDigest ?? DUMMY_DIGEST);
    if (!client || !ok) return null;
    this.touch(client);
    return { principal: toPrincipal(client, via), credential: client.credential };
  }

  /**
   * The client `clientId` while it is active and still holds `credential` (from
   * authenticateBasicHolder); null once its secret was rotated or replaced, or once it was
   * revoked, even if it was enabled again since. Read from the database, so every instance agrees
   * at once.
   */
  async principalHolding(clientId: string, credential: string, via: Principal['via']): Promise<Principal | null> {
    const client = clientId.length <= 64 ? await this.activeClient('id', clientId) : null;
    return client && client.credential === credential ? toPrincipal(client, via) : null;
  }

  /**
   * principalHolding() for a row another library read with `join` (activeClientJoin) in the same
   * statement as what it handed out against `credential`: one indexed statement per request
   * instead of two, the same answer (null when the client is revoked, or rotated since).
   */
  principalHoldingJoined(join: ClientJoin, row: Record<string, unknown>, credential: string, via: Principal['via']): Principal | null {
    const raw = join.read(row);
    if (!raw) return null;
    const client = decodeClient(raw);
    return client.credential === credential ? toPrincipal(client, via) : null;
  }

  /** Bearer: the secret alone identifies the client (its digest is unique). */
  async authenticateBearer(token: string, via: Principal['via'] = 'bearer'): Promise<Principal | null> {
    if (token.length > 512) return null;
    const client = await this.activeClient('secret_digest', digestSecret(token));
    if (!client || !secretMatches(token, client.secretDigest)) return null;
    this.touch(client);
    return toPrincipal(client, via);
  }

  async create(input: NewClient, createdBy: string | null): Promise<IssuedClient> {
    const id =
      input.id ??
      `cl_${generateSecret()
        .slice(4, 20)
        .replace(/[^A-Za-z0-9]/g, 'x')}`;
    if (await this.clients.existsBy({ id })) throw new AppError(ErrorCode.ClientExists, `A client with id "${id}" already exists.`);
    const secret = generateSecret();
    const now = new Date();
    const client = this.clients.create({
      id,
      name: input.name,
      description: input.description ?? null,
      scopes: [...new Set(input.scopes)],
      organisations: input.organisations ?? null,
      secretDigest: digestSecret(secret),
      managedBy: 'api',
      createdBy,
      createdAt: now,
      updatedAt: now,
      rotatedAt: null,
      revokedAt: null,
      lastUsedAt: null,
    });
    await this.clients.insert(client);
    await this.audit.record({
      action: 'access.client.created',
      outcome: 'success',
      target: { type: 'api_client', id },
      details: { name: client.name, scopes: client.scopes, organisations: client.organisations, createdBy },
    });
    return { client, secret };
  }

  async list(query: { includeRevoked: boolean; scope?: Scope; offset: number; limit: number }): Promise<ClientPage> {
    const qb = this.clients.createQueryBuilder('c').orderBy('c.created_at', 'ASC').addOrderBy('c.id', 'ASC');
    if (!query.includeRevoked) qb.andWhere('c.revoked_at IS NULL');
    // Scopes are a JSON array of known words, so a quoted match is exact.
    if (query.scope) qb.andWhere('c.scopes LIKE :scope', { scope: `%"${query.scope}"%` });
    const [items, total] = await qb.skip(query.offset).take(query.limit).getManyAndCount();
    return { items, total };
  }

  async get(id: string): Promise<ApiClient> {
    const client = await this.clients.findOneBy({ id });
    if (!client) throw new AppError(ErrorCode.ClientNotFound, `No client with id "${id}".`);
    return client;
  }

  /** Issues a new secret; the old one stops working at once. */
  async rotate(id: string): Promise<IssuedClient> {
    const client = await this.mutable(id);
    const secret = generateSecret();
    const now = new Date();
    await this.clients.update({ id }, { secretDigest: digestSecret(secret), rotatedAt: now, updatedAt: now });
    await this.audit.record({ action: 'access.client.rotated', outcome: 'success', target: { type: 'api_client', id }, details: { rotatedAt: now } });
    return { client: { ...client, secretDigest: digestSecret(secret), rotatedAt: now, updatedAt: now }, secret };
  }

  async revoke(id: string): Promise<ApiClient> {
    const client = await this.mutable(id);
    const now = new Date();
    await this.clients.update({ id }, { revokedAt: now, updatedAt: now });
    await this.audit.record({
      action: 'access.client.revoked',
      outcome: 'success',
      target: { type: 'api_client', id },
      details: { before: { revokedAt: null }, after: { revokedAt: now } },
    });
    return { ...client, revokedAt: now, updatedAt: now };
  }

  /**
   * Makes the clients the environment declares exist with the declared secrets, revokes the
   * environment-managed ones it no longer declares, and, when no admin client is usable,
   * generates one. Returns the generated admin token (to be printed once) or null.
   */
  async provisionFromEnvironment(): Promise<{ generatedAdminToken: string | null; changes: string[] }> {
    const { adminToken, omflowClientId, omflowClientSecret } = this.config.access;
    const changes: string[] = [];
    const declared = new Map<string, { secret: string; scopes: Scope[]; name: string }>();
    if (adminToken) declared.set(ADMIN_CLIENT_ID, { secret: adminToken, scopes: [Scope.Admin], name: 'Administrator (BRIDGE_ADMIN_TOKEN)' });
    if (omflowClientId && omflowClientSecret) {
      declared.set(omflowClientId, { secret: omflowClientSecret, scopes: [Scope.Omflow], name: 'OMFLOW (OMFLOW_CLIENT_ID)' });
    }
    for (const [id, spec] of declared) {
      const change = await this.upsertManaged(id, spec, 'env');
      if (change) changes.push(change);
    }
    const stale = await this.clients.findBy({ managedBy: 'env', revokedAt: IsNull() });
    for (const client of stale.filter((c) => !declared.has(c.id))) {
      await this.clients.update({ id: client.id }, { revokedAt: new Date(), updatedAt: new Date() });
      await this.audit.record({
        action: 'access.client.revoked',
        outcome: 'success',
        target: { type: 'api_client', id: client.id },
        details: { source: 'environment', reason: 'no longer declared in the environment' },
      });
      changes.push(`revoked ${client.id} (no longer declared in the environment)`);
    }
    return { generatedAdminToken: adminToken ? null : await this.bootstrapAdmin(changes), changes };
  }

  private async bootstrapAdmin(changes: string[]): Promise<string | null> {
    const admins = await this.clients.findBy({ revokedAt: IsNull(), managedBy: Not('env') });
    if (admins.some((c) => hasScope(c, Scope.Admin))) return null;
    const token = generateSecret();
    const now = new Date();
    const existing = await this.clients.findOneBy({ id: ADMIN_CLIENT_ID });
    if (existing) {
      // Only one instance may win: the update is conditional on the row still being revoked.
      const result = await this.clients.update(
        { id: ADMIN_CLIENT_ID, revokedAt: Not(IsNull()) },
        { secretDigest: digestSecret(token), revokedAt: null, rotatedAt: now, updatedAt: now, managedBy: 'bootstrap', scopes: [Scope.Admin] },
      );
      if (!result.affected) return null;
    } else {
      try {
        await this.clients.insert(
          this.managedClient(ADMIN_CLIENT_ID, { secret: token, scopes: [Scope.Admin], name: 'Administrator (generated)' }, 'bootstrap', now),
        );
      } catch (error) {
        if (await this.clients.existsBy({ id: ADMIN_CLIENT_ID, revokedAt: IsNull() })) return null; // another instance won
        throw error;
      }
    }
    await this.audit.record({
      action: 'access.admin_token.generated',
      outcome: 'success',
      target: { type: 'api_client', id: ADMIN_CLIENT_ID },
      details: { scopes: [Scope.Admin] },
    });
    changes.push('generated the admin client');
    return token;
  }

  private async upsertManaged(
    id: string,
    spec: { secret: string; scopes: Scope[]; name: string },
    origin: ClientOrigin,
    again = false,
  ): Promise<string | null> {
    const now = new Date();
    const existing = await this.clients.findOneBy({ id });
    if (!existing) {
      try {
        await this.clients.insert(this.managedClient(id, spec, origin, now));
      } catch (error) {
        // Another instance starting at the same moment provisioned it first: compare with theirs.
        if (!again && /duplicate|unique/i.test(String((error as Error).message))) return this.upsertManaged(id, spec, origin, true);
        throw error;
      }
      await this.audit.record({
        action: 'access.client.provisioned',
        outcome: 'success',
        target: { type: 'api_client', id },
        details: { source: 'environment', scopes: spec.scopes },
      });
      return `provisioned ${id}`;
    }
    const same =
      existing.managedBy === origin &&
      existing.revokedAt === null &&
      secretMatches(spec.secret, existing.secretDigest) &&
      existing.scopes.length === spec.scopes.length &&
      spec.scopes.every((s) => existing.scopes.includes(s));
    if (same) return null;
    if (existing.managedBy === 'api') this.logger.warn(`Client ${id} was created over the API; the environment now manages it.`);
    await this.clients.update(
      { id },
      { secretDigest: digestSecret(spec.secret), scopes: spec.scopes, managedBy: origin, revokedAt: null, rotatedAt: now, updatedAt: now, name: spec.name },
    );
    await this.audit.record({
      action: 'access.client.updated',
      outcome: 'success',
      target: { type: 'api_client', id },
      details: {
        source: 'environment',
        before: { scopes: existing.scopes, managedBy: existing.managedBy, revokedAt: existing.revokedAt },
        after: { scopes: spec.scopes, managedBy: origin, revokedAt: null },
      },
    });
    return `updated ${id} from the environment`;
  }

  private managedClient(id: string, spec: { secret: string; scopes: Scope[]; name: string }, origin: ClientOrigin, now: Date): ApiClient {
    return this.clients.create({
      id,
      name: spec.name,
      description: null,
      scopes: spec.scopes,
      organisations: null,
      secretDigest: digestSecret(spec.secret),
      managedBy: origin,
      createdBy: 'system',
      createdAt: now,
      updatedAt: now,
      rotatedAt: null,
      revokedAt: null,
      lastUsedAt: null,
    });
  }

  private async mutable(id: string): Promise<ApiClient> {
    const client = await this.get(id);
    if (client.managedBy === 'env') {
      throw new AppError(ErrorCode.ClientManaged, `Client "${id}" is managed by environment variables; change them and restart instead.`);
    }
    if (client.revokedAt) throw new AppError(ErrorCode.ClientRevoked, `Client "${id}" is revoked.`);
    return client;
  }

  /**
   * The active (not revoked) client with this id or secret digest, as every authenticated
   * request needs it. One constant statement, which the driver keeps prepared, rather than a
   * query built by the ORM on each request (measured: the builder cost more than the lookup), run
   * straight on the driver (DirectSql).
   */
  private async activeClient(by: 'id' | 'secret_digest', value: string): Promise<ActiveClient | null> {
    const rows = await this.sql.rows<RawClient>(by === 'id' ? ACTIVE_CLIENT_BY_ID : ACTIVE_CLIENT_BY_DIGEST, [value]);
    return rows[0] ? decodeClient(rows[0]) : null;
  }

  /** Records last use at most once a minute per client, off the request path. */
  private touch(client: Pick<ApiClient, 'id'>): void {
    const now = Date.now();
    if (now - (this.lastUsedWritten.get(client.id) ?? 0) < LAST_USED_RESOLUTION_MS) return;
    this.lastUsedWritten.set(client.id, now);
    this.clients.update({ id: client.id }, { lastUsedAt: new Date(now) }).catch((error: unknown) => {
      this.logger.warn(`Could not record last use of client ${client.id}: ${String(error)}`);
    });
  }
}

const CLIENT_FIELDS = ['id', 'name', 'scopes', 'organisations', 'secret_digest', 'rotated_at'] as const;
const CLIENT_COLUMNS = CLIENT_FIELDS.join(', ');
const ACTIVE_CLIENT_BY_ID = `SELECT ${CLIENT_COLUMNS} FROM api_client WHERE id = ? AND revoked_at IS NULL`;
const ACTIVE_CLIENT_BY_DIGEST = `SELECT ${CLIENT_COLUMNS} FROM api_client WHERE secret_digest = ? AND revoked_at IS NULL`;

/** What another library's statement adds to read the active client its rows name (activeClientJoin). */
export interface ClientJoin {
  /** The client's columns, each as `<alias>_<column>`, for the SELECT list. */
  columns: string;
  /** A LEFT JOIN of the active (not revoked) client: its columns are NULL when there is none. */
  join: string;
  /** The client's part of a row the statement answered; null when no active client was joined. */
  read(row: Record<string, unknown>): RawClient | null;
}

/**
 * The access library's read of an active client, as a fragment of another library's statement:
 * the owner of `api_client` still decides what is read and what "active" means, and decodes
 * the row (AccessService.principalHoldingJoined); the other library's SQL names only its own
 * table. `alias` is the client's alias in that statement, `clientIdSql` the expression holding
 * the client id (both written in code, never from a request).
 */
export function activeClientJoin(alias: string, clientIdSql: string): ClientJoin {
  if (!/^[a-z_][a-z0-9_]*$/i.test(alias) || !/^[a-z_][a-z0-9_.]*$/i.test(clientIdSql)) throw new Error(`Not an alias or a column: ${alias}, ${clientIdSql}`);
  return {
    columns: CLIENT_FIELDS.map((f) => `${alias}.${f} AS ${alias}_${f}`).join(', '),
    join: `LEFT JOIN api_client ${alias} ON ${alias}.id = ${clientIdSql} AND ${alias}.revoked_at IS NULL`,
    read: (row) => {
      if (row[`${alias}_id`] === null || row[`${alias}_id`] === undefined) return null;
      return Object.fromEntries(CLIENT_FIELDS.map((f) => [f, row[`${alias}_${f}`]])) as unknown as RawClient;
    },
  };
}

function decodeClient(row: RawClient): ActiveClient {
  const client = {
    id: row.id,
    name: row.name,
    scopes: jsonColumn.from(row.scopes) as Scope[],
    organisations: jsonColumn.from(row.organisations) as string[] | null,
    secretDigest: row.secret_digest,
  };
  return { ...client, credential: credentialVersion(client.secretDigest, row.rotated_at) };
}

/** A row of ACTIVE_CLIENT_BY_*, as the driver gives it (mysql2: a Date for rotated_at; better-sqlite3: its text). */
interface RawClient {
  id: string;
  name: string;
  scopes: string;
  organisations: string | null;
  secret_digest: string;
  rotated_at: Date | string | null;
}

/** What authentication needs of an active client, with the credential it holds now. */
type ActiveClient = Pick<ApiClient, 'id' | 'name' | 'scopes' | 'organisations' | 'secretDigest'> & { credential: string };

/**
 * Names the credential a client holds now, without revealing it: it changes when the secret is
 * rotated or replaced, and when a revoked client is enabled again (each of these sets
 * rotated_at), so nothing handed out before outlives them.
 */
function credentialVersion(secretDigest: string, rotatedAt: Date | string | null): string {
  const rotated = rotatedAt instanceof Date ? rotatedAt.toISOString() : (rotatedAt ?? '');
  return createHash('sha256').update(`credential-version\0${secretDigest}\0${rotated}`, 'utf8').digest('hex').slice(0, 32);
}

export function toPrincipal(client: Pick<ApiClient, 'id' | 'name' | 'scopes' | 'organisations'>, via: Principal['via']): Principal {
  return { clientId: client.id, name: client.name, scopes: client.scopes, organisations: client.organisations, via };
}
