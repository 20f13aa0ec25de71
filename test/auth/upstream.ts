import { createServer, type IncomingMessage, type Server } from 'node:http';

/** What the test upstream received, for assertions (the test's own passwords, in memory only). */
export interface UpstreamCall {
  method: string;
  contentType: string | undefined;
  authorization: string | undefined;
  body: string;
}

/**
 * A small password-checking upstream for the `http` verifier. Users: `alice` / `right` is
 * accepted (`{"valid": true}`), any other password gets 401; `slow` answers after 2 s, `garbage`
 * answers 200 with broken JSON, `boom` answers 500, `odd` answers 200 without the field.
 * `delayMs` holds every other answer that long, so that parallel checks are in flight together.
 */
export async function startUpstream(options: { delayMs?: number } = {}): Promise<{ url: string; calls: UpstreamCall[]; close(): Promise<void> }> {
  const calls: UpstreamCall[] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      calls.push({ method: req.method ?? '', contentType: req.headers['content-type'], authorization: req.headers.authorization, body });
      let username = '';
      let password = '';
      if (req.headers['content-type']?.startsWith('application/json')) {
        const parsed = JSON.parse(body) as Record<string, string>;
        username = parsed.login ?? parsed.username ?? '';
        password = parsed.secret ?? parsed.password ?? '';
      } else if (req.headers['content-type']?.startsWith('application/x-www-form-urlencoded')) {
        const form = new URLSearchParams(body);
        username = form.get('login') ?? form.get('username') ?? '';
        password = form.get('secret') ?? form.get('password') ?? '';
      } else if (req.headers.authorization?.startsWith('Basic ')) {
        const decoded = Buffer.from(req.headers.authorization.slice(6), 'base64').toString('utf8');
        username = decoded.slice(0, decoded.indexOf(':'));
        password = decoded.slice(decoded.indexOf(':') + 1);
      }
      const json = (status: number, value: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
      const answer = (status: number, value: unknown) =>
        options.delayMs ? setTimeout(() => json(status, value), options.delayMs).unref() : json(status, value);
      switch (username) {
        case 'slow':
          setTimeout(() => json(200, { valid: true }), 2000).unref();
          return;
        case 'garbage':
          res.writeHead(200, { 'content-type': 'application/json' }).end('{"valid": tru');
          return;
        case 'boom':
          json(500, { error: 'database down' });
          return;
        case 'odd':
          json(200, { ok: 'maybe' });
          return;
        default:
          if (password === 'right' && username !== 'nobody') answer(200, { valid: true });
          else answer(401, { valid: false, message: `no such user or wrong password for ${username}` });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/check`,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
