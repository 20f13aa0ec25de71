import { request as httpRequest } from 'node:http';

/** A request exactly as it goes on the wire: the path is sent verbatim (dot segments, bad escapes and all). */
export interface RawRequest {
  method: string;
  /** Path and query string, not normalised by any URL parser. */
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
}

export interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** The body parsed as JSON when it is JSON; undefined otherwise. */
  json: unknown;
}

/**
 * Sends one request with node:http. Unlike supertest or fetch, nothing rewrites the path
 * (`/a/../b` and `%2e%2e` reach the server as written), so the fuzz test can send what a
 * hostile client would.
 */
export function send(baseUrl: string, req: RawRequest, timeoutMs = 20_000): Promise<RawAnswer> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        method: req.method,
        path: req.path,
        headers: { ...req.headers, ...(req.body ? { 'content-length': String(req.body.length) } : {}) },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          if (/\bjson\b/i.test(String(res.headers['content-type'] ?? ''))) {
            try {
              json = JSON.parse(text);
            } catch {
              json = undefined;
            }
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      },
    );
    outgoing.on('timeout', () => outgoing.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    outgoing.on('error', reject);
    outgoing.end(req.body);
  });
}
