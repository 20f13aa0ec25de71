/**
 * The floors of bench:http: a bare `node:http` server, in its own process, with nothing between
 * the socket and the work. BARE_MODE selects what it answers:
 * - `bytes`: BARE_BODY_FILE's bytes with BARE_HEADERS (JSON) on every request (the /health/live
 *   and /sync floors);
 * - `sqlite`: reads the request body, JSON.parse's it, runs BARE_SQL with BARE_PARAMS (JSON)
 *   through better-sqlite3 on BARE_SQLITE_PATH, and answers the rows in OMFLOW's envelope with
 *   JSON.stringify (the query API's floor: the same SQL through the same driver);
 * - `mysql`: the same through a mysql2 pool of BARE_POOL connections on BARE_MYSQL_URL.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { createPool } from 'mysql2/promise';

const require = createRequire(import.meta.url);
const mode = process.env.BARE_MODE;
const port = Number(process.env.BARE_PORT);

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function answerRows(res: ServerResponse, rows: unknown): void {
  const body = JSON.stringify({ status: 200, message: 'Query successful.', result: rows });
  res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

let handler: (req: IncomingMessage, res: ServerResponse) => void;
if (mode === 'bytes') {
  const body = readFileSync(process.env.BARE_BODY_FILE!);
  const headers = { ...(JSON.parse(process.env.BARE_HEADERS ?? '{}') as Record<string, string>), 'Content-Length': String(body.length) };
  handler = (req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, headers);
      res.end(body);
    });
  };
} else if (mode === 'sqlite') {
  const Database = require('better-sqlite3') as new (
    path: string,
    opts?: { readonly?: boolean },
  ) => { prepare(sql: string): { all(...p: unknown[]): unknown[] } };
  const statement = new Database(process.env.BARE_SQLITE_PATH!, { readonly: true }).prepare(process.env.BARE_SQL!);
  const params = JSON.parse(process.env.BARE_PARAMS!) as unknown[];
  handler = (req, res) => {
    void readBody(req).then((text) => {
      if (req.method === 'POST') JSON.parse(text);
      answerRows(res, statement.all(...params));
    });
  };
} else if (mode === 'mysql') {
  const pool = createPool({
    uri: process.env.BARE_MYSQL_URL!,
    connectionLimit: Number(process.env.BARE_POOL ?? 32),
    charset: 'utf8mb4_unicode_ci',
    timezone: 'Z',
  });
  const sql = process.env.BARE_SQL!;
  const params = JSON.parse(process.env.BARE_PARAMS!) as unknown[];
  handler = (req, res) => {
    void readBody(req)
      .then(async (text) => {
        if (req.method === 'POST') JSON.parse(text);
        const [rows] = await pool.query(sql, params);
        answerRows(res, rows);
      })
      .catch((error: unknown) => {
        res.writeHead(500).end(String(error));
      });
  };
} else {
  throw new Error(`BARE_MODE must be bytes, sqlite or mysql (got ${mode})`);
}

const server = createServer(handler);
server.keepAliveTimeout = 5000;
server.listen(port, '127.0.0.1');
process.once('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
