import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { Agent, request, errors as undiciErrors } from 'undici';
import { BRIDGE_CONFIG, type BridgeConfig } from '#app/config';
import { InstanceIdentity } from '#app/database';
import { isWorkPlusEnvelope, WorkPlusCode, type WorkPlusEnvelope, type WorkPlusTokenResult } from '#app/workplus';
import { DirectoryTokenStore } from './directory-token.store.js';
import { mayHoldSecrets, scrubSecrets, scrubText } from './scrub.js';

/** Why a directory call failed, beyond an answer with a non-zero status (which is not an error here). */
export class DirectoryError extends Error {
  constructor(
    readonly kind: 'unreachable' | 'timeout' | 'http' | 'garbage' | 'token' | 'cancelled',
    message: string,
  ) {
    super(message);
    this.name = 'DirectoryError';
  }
}

export interface DirectoryRequest {
  method: 'GET' | 'POST' | 'DELETE';
  /**
   * Path below the base URL, e.g. `/v1/admin/organizations/acme/view` (build it with
   * organizationPath of #app/workplus); a path that URL resolution would change is refused.
   */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  signal?: AbortSignal;
  /**
   * Retry on network errors, 5xx and unparseable answers (default true). Writes pass false: a
   * create whose answer was lost may have happened, and a retry could make it twice. (A 10011
   * is still retried once with a new token: the directory refused the call before doing it.)
   */
  retry?: boolean;
  /**
   * Turns the answer's bytes (handed over) into its envelope, instead of parsing it here; given
   * the secrets the answer must not carry. Throws a DirectoryError `garbage` for an answer that
   * is not one (retried like here). The directory source parses and maps its pages this way, in
   * a worker thread (PageMapper).
   */
  decode?: (bytes: ArrayBuffer, statusCode: number, secrets: readonly string[]) => Promise<WorkPlusEnvelope<unknown>>;
}

/** Refresh this long before the token's announced expiry. */
const EXPIRY_MARGIN_MS = 60_000;
const REFRESH_CLAIM_MS = 30_000;

/**
 * The WorkPlus API as the bridge calls it: the shared app token (fetched by one instance at a
 * time, kept in the database, refreshed before expiry and on 10011), timeouts, and retries with
 * exponential back-off and jitter on network errors, 5xx and unparseable answers. Answers are
 * checked to be WorkPlus envelopes; their status is the caller's business. The token travels in
 * the query string, and the directory echoes its request URL in some answers (`Cannot GET
 * /…?access_token=…`): no answer or error leaves this class with the token or the app secret in it.
 */
@Injectable()
export class DirectoryClient {
  private readonly logger = new Logger(DirectoryClient.name);
  private readonly agent: Agent;
  private cached: { token: string; expiresAt: number } | null = null;

  constructor(
    @Inject(BRIDGE_CONFIG) private readonly config: BridgeConfig,
    private readonly tokens: DirectoryTokenStore,
    private readonly instance: InstanceIdentity,
  ) {
    this.agent = new Agent({ connections: 16, keepAliveTimeout: 10_000, headersTimeout: config.directory.timeoutMs, bodyTimeout: config.directory.timeoutMs });
  }

  get configured(): boolean {
    return Boolean(this.config.directory.url && this.config.directory.orgCode && (this.config.directory.token || this.config.directory.clientSecret));
  }

  get orgCode(): string {
    return this.config.directory.orgCode ?? '';
  }

  /** Describes the target without any secret. */
  describe(): string {
    return `directory ${this.config.directory.url ?? '(not configured)'} organisation ${this.orgCode}`;
  }

  /** Calls the directory with the app token; one retry with a new token on 10011. */
  async call(req: DirectoryRequest): Promise<WorkPlusEnvelope<unknown>> {
    for (let attempt = 0; ; attempt++) {
      const token = await this.token(req.signal);
      const answer = await this.send(req, token);
      if (answer.status === WorkPlusCode.TokenNotFound && attempt === 0 && !this.config.directory.token) {
        this.logger.warn('The directory refused the token (10011); fetching a new one');
        this.cached = null;
        await this.tokens.invalidate(token);
        continue;
      }
      return answer;
    }
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  private async token(signal?: AbortSignal): Promise<string> {
    const fixed = this.config.directory.token;
    if (fixed) return fixed;
    const now = Date.now();
    if (this.cached && this.cached.expiresAt - EXPIRY_MARGIN_MS > now) return this.cached.token;
    for (let waited = 0; waited < REFRESH_CLAIM_MS * 2; waited += 200) {
      const stored = await this.tokens.read();
      if (stored && stored.expiresAt - EXPIRY_MARGIN_MS > Date.now()) {
        this.cached = stored;
        return stored.token;
      }
      const holder = this.instance.id;
      if (await this.tokens.claimRefresh(holder, REFRESH_CLAIM_MS)) {
        try {
          const fresh = await this.fetchToken(signal);
          await this.tokens.save(holder, fresh.access_token, fresh.expire_time, fresh.issued_time);
          this.cached = { token: fresh.access_token, expiresAt: fresh.expire_time };
          return fresh.access_token;
        } finally {
          await this.tokens.releaseRefresh(holder);
        }
      }
      // A claim left by a dead earlier process of this instance (a crash mid-fetch) is not waited out.
      const refresher = await this.tokens.refresher();
      if (refresher && this.instance.provablyDead(refresher)) {
        this.logger.warn(`The directory token refresh was claimed by ${refresher}, an earlier process of this instance that is gone: taken over.`);
        await this.tokens.releaseRefresh(refresher);
        continue;
      }
      await sleep(200, undefined, { signal }); // another instance is fetching it
    }
    throw new DirectoryError('token', 'Timed out waiting for another instance to fetch the directory token');
  }

  private async fetchToken(signal?: AbortSignal): Promise<WorkPlusTokenResult> {
    const d = this.config.directory;
    const answer = await this.send(
      {
        method: 'POST',
        path: '/v1/token',
        body: {
          grant_type: 'client_credentials',
          scope: 'app',
          domain_id: d.domainId,
          org_id: d.orgCode,
          client_id: d.clientId,
          client_secret: d.clientSecret,
        },
        signal,
      },
      null,
    );
    const result = answer.result as Partial<WorkPlusTokenResult> | null;
    if (answer.status !== WorkPlusCode.Ok || typeof result?.access_token !== 'string' || typeof result.expire_time !== 'number') {
      throw new DirectoryError('token', `The directory refused the app credentials: ${answer.status} ${answer.message}`);
    }
    this.logger.log(`Fetched a directory token valid until ${new Date(result.expire_time).toISOString()}`);
    return {
      access_token: result.access_token,
      refresh_token: result.refresh_token ?? result.access_token,
      issued_time: result.issued_time ?? Date.now(),
      expire_time: result.expire_time,
      client_id: d.clientId ?? '',
    };
  }

  /** One call with retries on transient failures; answers the parsed envelope. */
  private async send(req: DirectoryRequest, token: string | null): Promise<WorkPlusEnvelope<unknown>> {
    const retries = req.retry === false ? 0 : this.config.directory.retries;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.once(req, token);
      } catch (error) {
        const transient = error instanceof DirectoryError && ['unreachable', 'timeout', 'http', 'garbage'].includes(error.kind);
        if (!transient || attempt >= retries || req.signal?.aborted) throw error;
        const delay = Math.min(5000, 100 * 2 ** attempt) * (0.5 + Math.random() / 2);
        this.logger.warn(
          `Directory ${req.method} ${req.path} failed (${(error as Error).message}); retry ${attempt + 1}/${retries} in ${Math.round(delay)} ms`,
        );
        await sleep(delay, undefined, { signal: req.signal });
      }
    }
  }

  /** The secrets an answer to a call made with `token` must not carry (the token call itself sends none). */
  private secrets(token: string | null): string[] {
    const d = this.config.directory;
    return [token, d.token, d.clientSecret].filter((s): s is string => Boolean(s));
  }

  /**
   * The URL of a call. Resolution decodes `%2E%2E`, folds `..` and `\`, and splits at `?` or `#`:
   * the resolved path must be exactly the one built, or the call would reach another resource
   * with the bridge's token (a bug of the caller's, hence a plain Error, never retried).
   */
  private urlOf(req: DirectoryRequest): URL {
    const base = this.config.directory.url ?? '';
    const url = new URL(`${base}${req.path}`);
    const intended = `${new URL(base).pathname.replace(/\/+$/, '')}${req.path}`;
    if (!req.path.startsWith('/') || url.pathname !== intended || url.search || url.hash) {
      throw new Error(`Refusing a directory call: its path would not stay as built (${JSON.stringify(req.path.slice(0, 200))})`);
    }
    return url;
  }

  private async once(req: DirectoryRequest, token: string | null): Promise<WorkPlusEnvelope<unknown>> {
    const url = this.urlOf(req);
    const secrets = this.secrets(token);
    for (const [key, value] of Object.entries(req.query ?? {})) if (value !== undefined) url.searchParams.set(key, String(value));
    if (token) url.searchParams.set('access_token', token);
    let text = '';
    let bytes: ArrayBuffer | null = null;
    let statusCode: number;
    // undici's own timers are coarse (about a second); this one is exact and covers the whole exchange.
    const timeout = AbortSignal.timeout(this.config.directory.timeoutMs);
    try {
      const res = await request(url, {
        method: req.method,
        dispatcher: this.agent,
        headers: req.body === undefined ? {} : { 'content-type': 'application/json' },
        body: req.body === undefined ? undefined : JSON.stringify(req.body),
        signal: req.signal ? AbortSignal.any([req.signal, timeout]) : timeout,
      });
      statusCode = res.statusCode;
      if (req.decode) bytes = await res.body.arrayBuffer();
      else text = await res.body.text();
    } catch (error) {
      if (req.signal?.aborted) throw new DirectoryError('cancelled', `The directory call was cancelled: ${String(req.signal.reason)}`);
      if (timeout.aborted || error instanceof undiciErrors.HeadersTimeoutError || error instanceof undiciErrors.BodyTimeoutError) {
        throw new DirectoryError('timeout', `no answer within ${this.config.directory.timeoutMs} ms`);
      }
      const reason = (error as { code?: string }).code ?? scrubText((error as Error).message, secrets);
      throw new DirectoryError('unreachable', `cannot reach the directory (${reason})`);
    }
    if (statusCode >= 500) throw new DirectoryError('http', `HTTP ${statusCode}`);
    if (req.decode && bytes) return req.decode(bytes, statusCode, secrets);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new DirectoryError('garbage', `the answer (HTTP ${statusCode}) is not JSON`);
    }
    if (!isWorkPlusEnvelope(body)) throw new DirectoryError('garbage', `the answer (HTTP ${statusCode}) is not a WorkPlus envelope`);
    return mayHoldSecrets(text, secrets) ? scrubSecrets(body, secrets) : body;
  }
}
