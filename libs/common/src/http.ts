import type { FastifyReply } from 'fastify';

/** The path of a request's URL, without its query string (Fastify keeps the whole URL in `req.url`). */
export function pathOf(req: { url: string }): string {
  const query = req.url.indexOf('?');
  return query < 0 ? req.url : req.url.slice(0, query);
}

/** HTTP Basic credentials (`Basic base64(user:password)`), split at the first colon; null when absent or malformed. The user may be empty. */
export function basicCredentials(authorization: string | undefined): { user: string; password: string } | null {
  const match = /^basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization ?? '');
  if (!match) return null;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? null : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/**
 * Answers `body` as JSON with `status`, for the exception filters. A streamed answer (written to
 * the Node response after `reply.hijack()`) that fails is handled too: before its first byte
 * the error is answered on the Node response; after it, the answer is cut off (the connection
 * destroyed) rather than ended as if it were complete.
 */
export function sendJson(reply: FastifyReply, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const res = reply.raw;
  if (res.headersSent) {
    if (!res.writableEnded) res.destroy();
    return;
  }
  if (reply.sent) {
    res.writeHead(status, { ...headers, 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
    return;
  }
  // A route may have set another content type (`@Header`) before it failed.
  void reply
    .headers({ ...headers, 'content-type': 'application/json; charset=utf-8' })
    .status(status)
    .send(body);
}
