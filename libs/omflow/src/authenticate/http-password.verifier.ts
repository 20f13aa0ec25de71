import { Inject, Injectable, Logger } from '@nestjs/common';
import { request } from 'undici';
import { BRIDGE_CONFIG, type BridgeConfig, ConfigError } from '#app/config';
import { PasswordVerifier, type VerifyResult } from './password-verifier.js';

/** The most of an upstream answer that is read; a password check has no business sending more. */
const MAX_ANSWER_BYTES = 64 * 1024;

/** Reads a dotted path (`result.valid`) out of a parsed JSON answer. */
function pick(value: unknown, path: string): unknown {
  let at = value;
  for (const key of path.split('.')) {
    if (at === null || typeof at !== 'object' || !Object.hasOwn(at, key)) return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}

/**
 * AUTH_VERIFIER=http: the password is checked by an upstream endpoint (a directory or SSO that
 * can say yes or no). How the credentials are sent and how success is recognised are
 * configuration. A timeout, a 5xx, a redirect or an answer that cannot be read is a failed
 * login with its own reason (`upstream_*`), never a success; the upstream's words are not
 * passed on.
 */
@Injectable()
export class HttpPasswordVerifier extends PasswordVerifier {
  readonly kind = 'http' as const;
  private readonly logger = new Logger(HttpPasswordVerifier.name);
  private readonly url: string;
  private readonly successStatus: Set<number>;

  constructor(@Inject(BRIDGE_CONFIG) private readonly config: BridgeConfig) {
    super();
    if (!config.auth.httpUrl) throw new ConfigError('AUTH_HTTP_URL', 'is required when AUTH_VERIFIER=http');
    this.url = config.auth.httpUrl;
    this.successStatus = new Set(config.auth.httpSuccessStatus.split(',').map((s) => Number(s.trim())));
  }

  async verify(username: string, password: string): Promise<VerifyResult> {
    const auth = this.config.auth;
    const headers: Record<string, string> = { accept: 'application/json' };
    let body: string | undefined;
    switch (auth.httpSend) {
      case 'json':
        headers['content-type'] = 'application/json';
        body = JSON.stringify({ [auth.httpUsernameField]: username, [auth.httpPasswordField]: password });
        break;
      case 'form':
        headers['content-type'] = 'application/x-www-form-urlencoded';
        body = new URLSearchParams({ [auth.httpUsernameField]: username, [auth.httpPasswordField]: password }).toString();
        break;
      case 'basic':
        headers.authorization = `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
        break;
    }
    if (auth.httpSend !== 'basic' && auth.httpAuthorization) headers.authorization = auth.httpAuthorization;

    let status: number;
    let text: string;
    try {
      const res = await request(this.url, { method: auth.httpMethod, headers, body, signal: AbortSignal.timeout(auth.httpTimeoutMs) });
      status = res.statusCode;
      text = await readCapped(res.body);
    } catch (error) {
      const name = (error as { name?: string } | null)?.name;
      if (name === 'TimeoutError' || name === 'AbortError') return { ok: false, reason: 'upstream_timeout' };
      this.logger.warn(`Upstream password check failed: ${(error as Error).message}`);
      return { ok: false, reason: 'upstream_error' };
    }

    if (!this.successStatus.has(status)) {
      if (status >= 400 && status < 500) return { ok: false, reason: 'upstream_rejected' };
      this.logger.warn(`Upstream password check answered HTTP ${status}`);
      return { ok: false, reason: 'upstream_error' };
    }
    if (!auth.httpSuccessField) return { ok: true, mustChange: false };
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return { ok: false, reason: 'upstream_garbage' };
    }
    const value = pick(parsed, auth.httpSuccessField);
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean' && value !== null)
      return { ok: false, reason: 'upstream_garbage' };
    return String(value) === auth.httpSuccessValue ? { ok: true, mustChange: false } : { ok: false, reason: 'upstream_rejected' };
  }
}

async function readCapped(body: AsyncIterable<Buffer> & { destroy?: () => void }): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > MAX_ANSWER_BYTES) {
      body.destroy?.();
      break;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
