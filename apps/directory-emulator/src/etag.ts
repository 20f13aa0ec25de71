import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** Answers that go out without an ETag (a dropped connection: Express wrote those itself). */
export const WITHOUT_ETAG = new WeakSet<FastifyReply>();

/**
 * Express's default ETag on every answer with a body (`W/"<length hex>-<sha1 base64, 27
 * characters>"`), and its freshness check: a GET or HEAD whose `If-None-Match` names it answers
 * 304 without a body. Kept so that the emulator's headers stay what they were on Express.
 */
export function installEtags(fastify: FastifyInstance): void {
  fastify.addHook('onSend', (request, reply, payload, done) => {
    if ((typeof payload !== 'string' && !Buffer.isBuffer(payload)) || WITHOUT_ETAG.has(reply) || reply.hasHeader('etag')) {
      done(null, payload);
      return;
    }
    // Encoded once, hashed and sent as these bytes (as Express's res.send did).
    const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
    const etag = weakEtag(body);
    reply.header('etag', etag);
    if (isFresh(request, reply.statusCode, etag)) {
      void reply.status(304);
      reply.removeHeader('content-type');
      reply.removeHeader('content-length');
      reply.removeHeader('transfer-encoding');
      done(null, '');
      return;
    }
    done(null, body);
  });
}

export function weakEtag(body: Buffer): string {
  const length = body.length;
  if (length === 0) return 'W/"0-2jmj7l5rSw0yVb/vlWAYkK/YBwk"';
  const hash = createHash('sha1').update(body).digest('base64').substring(0, 27);
  return `W/"${length.toString(16)}-${hash}"`;
}

/** `fresh` as Express uses it, for an answer that carries only an ETag (no Last-Modified). */
function isFresh(request: FastifyRequest, status: number, etag: string): boolean {
  if (request.method !== 'GET' && request.method !== 'HEAD') return false;
  if (!((status >= 200 && status < 300) || status === 304)) return false;
  const noneMatch = request.headers['if-none-match'];
  if (!noneMatch) return false;
  const cacheControl = request.headers['cache-control'];
  if (cacheControl && /(?:^|,)\s*no-cache\s*(?:,|$)/.test(cacheControl)) return false;
  if (noneMatch.trim() === '*') return true;
  const strip = (tag: string): string => (tag.startsWith('W/') ? tag.slice(2) : tag);
  return noneMatch.split(',').some((tag) => strip(tag.trim()) === strip(etag));
}
