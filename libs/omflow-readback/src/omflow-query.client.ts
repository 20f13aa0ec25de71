import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Agent, errors as undiciErrors, request } from 'undici';
import { BRIDGE_CONFIG, type BridgeConfig } from '#app/config';
import {
  envelopeOf,
  GROUP_COLUMNS,
  groupRowsOf,
  membersOf,
  OmflowReadError,
  securityCodeOf,
  USER_COLUMNS,
  userRowsOf,
  type Envelope,
  type OmflowGroupRow,
  type OmflowUserRow,
} from './omflow-answers.js';

/** The largest answer accepted from OMFLOW: a page of 10,000 users is a few MB. */
const MAX_ANSWER_BYTES = 64 * 1024 * 1024;

const SECURITY_PATH = 'accounts/api/security/get/';
const USER_LIST_PATH = 'rest/accounts/api/user/list/';
const GROUP_LIST_PATH = 'rest/accounts/api/group/list/';
const BY_GROUP_PATH = 'rest/accounts/api/user/list-by-group/';
/** Departments asked of `user/list-by-group/` at once (its answer has no paging). */
export const MEMBER_BATCH = 100;

/**
 * OMFLOW's user query API as the read-back calls it (seeds/001): a security code for the API
 * account (OMFLOW_API_USER, OMFLOW_API_PASSWORD, HTTP Basic), then every user and every
 * department, page by page (keyset on `id`, so that rows added or removed meanwhile never shift a
 * page), each answer checked. Timeouts on every call (OMFLOW_TIMEOUT_MS). Neither the password nor
 * the security code ever appears in an error: they are scrubbed from OMFLOW's messages too.
 */
@Injectable()
export class OmflowQueryClient implements OnApplicationShutdown {
  private readonly agent: Agent;
  private code: string | null = null;

  constructor(@Inject(BRIDGE_CONFIG) private readonly config: BridgeConfig) {
    const timeout = config.readback.timeoutMs;
    this.agent = new Agent({ connections: 4, keepAliveTimeout: 10_000, connectTimeout: timeout, headersTimeout: timeout, bodyTimeout: timeout });
  }

  get configured(): boolean {
    const r = this.config.readback;
    return Boolean(r.url && r.apiUser && r.apiPassword);
  }

  /** OMFLOW's address, without credentials (for reports). */
  describe(): string {
    const url = this.config.readback.url;
    if (!url) return '(not configured)';
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.agent.close();
  }

  /** Every user OMFLOW holds (deleted ones included, flagged), a page at a time. */
  async *users(signal?: AbortSignal): AsyncGenerator<OmflowUserRow[]> {
    yield* this.pages(USER_LIST_PATH, USER_COLUMNS, (envelope, limit, after) => userRowsOf(envelope, limit, after), signal);
  }

  /** Every department OMFLOW holds, a page at a time. */
  async *groups(signal?: AbortSignal): AsyncGenerator<OmflowGroupRow[]> {
    yield* this.pages(GROUP_LIST_PATH, GROUP_COLUMNS, (envelope, limit, after) => groupRowsOf(envelope, limit, after), signal);
  }

  /** The usernames of each department's members (by OMFLOW's code), `codes` asked MEMBER_BATCH at a time. */
  async *members(codes: readonly string[], signal?: AbortSignal): AsyncGenerator<Map<string, string[]>> {
    for (let i = 0; i < codes.length; i += MEMBER_BATCH) {
      const batch = codes.slice(i, i + MEMBER_BATCH);
      yield membersOf(await this.query(BY_GROUP_PATH, { omflow_restapi: 1, org_no: batch }, signal), batch.length);
    }
  }

  private async *pages<R extends { id: number }>(
    path: string,
    columns: readonly string[],
    parse: (envelope: Envelope, limit: number, after: number) => R[],
    signal?: AbortSignal,
  ): AsyncGenerator<R[]> {
    const limit = this.config.readback.pageSize;
    for (let after = 0; ;) {
      const body = {
        omflow_restapi: 1,
        search_columns: columns,
        search_conditions: after > 0 ? [{ column: 'id', condition: '>', value: after }] : [],
        exclude_conditions: [],
        order_columns: ['id'],
        start: 0,
        limit,
      };
      const rows = parse(await this.query(path, body, signal), limit, after);
      if (rows.length) yield rows;
      if (rows.length < limit) return;
      after = rows[rows.length - 1].id;
    }
  }

  /** A query call with the security code; a code OMFLOW no longer knows (403) is fetched again once. */
  private async query(path: string, body: Record<string, unknown>, signal?: AbortSignal): Promise<Envelope> {
    for (let attempt = 0; ; attempt++) {
      const code = this.code ?? (await this.securityCode(signal));
      const envelope = envelopeOf(await this.send('POST', path, { ...body, security: code }, null, signal), path);
      if (envelope.status === 200) return envelope;
      if (envelope.status === 403 && attempt === 0) {
        this.code = null;
        continue;
      }
      throw new OmflowReadError(
        envelope.status === 403 ? 'auth' : 'refused',
        `OMFLOW refused ${path} (status ${envelope.status}: ${this.scrub(envelope.message)}).`,
      );
    }
  }

  private async securityCode(signal?: AbortSignal): Promise<string> {
    const { apiUser, apiPassword } = this.config.readback;
    const basic = `Basic ${Buffer.from(`${apiUser ?? ''}:${apiPassword ?? ''}`).toString('base64')}`;
    const envelope = envelopeOf(await this.send('GET', SECURITY_PATH, undefined, basic, signal), SECURITY_PATH);
    if (envelope.status === 403) {
      throw new OmflowReadError(
        'auth',
        `OMFLOW refused the API account OMFLOW_API_USER=${apiUser ?? ''} (status 403: ${this.scrub(envelope.message)}); check OMFLOW_API_USER and OMFLOW_API_PASSWORD.`,
      );
    }
    if (envelope.status !== 200)
      throw new OmflowReadError('refused', `OMFLOW refused a security code (status ${envelope.status}: ${this.scrub(envelope.message)}).`);
    this.code = securityCodeOf(envelope);
    return this.code;
  }

  /** One HTTP call; the JSON answer, or an OmflowReadError saying what went wrong (never with a secret). */
  private async send(method: 'GET' | 'POST', path: string, body: unknown, authorization: string | null, signal?: AbortSignal): Promise<unknown> {
    const base = this.config.readback.url!;
    const url = new URL(path, base.endsWith('/') ? base : `${base}/`);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (authorization) headers.authorization = authorization;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let answer: Awaited<ReturnType<typeof request>>;
    try {
      answer = await request(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), dispatcher: this.agent, signal });
    } catch (error) {
      throw this.failure(error, path);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of answer.body as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > MAX_ANSWER_BYTES) {
          answer.body.destroy();
          throw new OmflowReadError('malformed', `OMFLOW's answer to ${path} is larger than ${MAX_ANSWER_BYTES} bytes.`);
        }
        chunks.push(chunk);
      }
    } catch (error) {
      throw this.failure(error, path);
    }
    if (answer.statusCode !== 200) {
      throw new OmflowReadError(
        answer.statusCode === 401 || answer.statusCode === 403 ? 'auth' : 'http',
        `OMFLOW answered ${path} with HTTP ${answer.statusCode}.`,
      );
    }
    try {
      return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
    } catch {
      throw new OmflowReadError('malformed', `OMFLOW answered ${path} with something other than JSON.`);
    }
  }

  private failure(error: unknown, path: string): OmflowReadError {
    if (error instanceof OmflowReadError) return error;
    const e = error as Error & { code?: string };
    if (e.name === 'AbortError' || e.code === 'ABORT_ERR') return new OmflowReadError('cancelled', `The call to OMFLOW ${path} was cancelled.`);
    if (
      error instanceof undiciErrors.HeadersTimeoutError ||
      error instanceof undiciErrors.BodyTimeoutError ||
      error instanceof undiciErrors.ConnectTimeoutError
    ) {
      return new OmflowReadError('timeout', `OMFLOW did not answer ${path} within ${this.config.readback.timeoutMs} ms (OMFLOW_TIMEOUT_MS).`);
    }
    const cause = (e.cause as { code?: string } | undefined)?.code ?? e.code ?? 'network error';
    return new OmflowReadError('unreachable', `OMFLOW at ${this.describe()} could not be reached (${cause}).`);
  }

  /** OMFLOW's own message, cut short, without the password or the security code should it echo them. */
  private scrub(message: string): string {
    let out = message.slice(0, 200);
    for (const secret of [this.config.readback.apiPassword, this.code]) if (secret) out = out.split(secret).join('***');
    return out || 'no message';
  }
}
