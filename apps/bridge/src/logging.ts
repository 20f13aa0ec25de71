import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Params } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import type { Options } from 'pino-http';
import type { BridgeConfig } from '#app/config';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Paths pino removes from every log line: credentials never reach the logs. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'req.query.access_token',
  'res.headers["set-cookie"]',
  '*.password',
  '*.secret',
  '*.token',
  '*.access_token',
  '*.security',
];

/** The request id: the caller's `x-request-id` when well-formed, a new UUID otherwise. */
export function requestIdOf(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

/**
 * Express middleware giving each request its id before anything can fail, so that errors
 * raised by the body parser (413, malformed JSON) carry the id too.
 */
export function assignRequestId(req: IncomingMessage & { id?: string }, res: ServerResponse, next: () => void): void {
  req.id = requestIdOf(req);
  res.setHeader('x-request-id', req.id);
  next();
}

/** pino-http's parameters; `destination` replaces standard output (tests read the log through it). */
export function pinoParams(config: BridgeConfig, destination?: DestinationStream): Params {
  const options: Options = {
    level: config.log.level,
    // The id is usually assigned already by assignRequestId (before the body parser).
    genReqId: (req, res) => {
      const assigned = (req as IncomingMessage & { id?: unknown }).id;
      if (typeof assigned === 'string') return assigned;
      const id = requestIdOf(req);
      res.setHeader('x-request-id', id);
      return id;
    },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    // The query string may carry access_token (WorkPlus style): log the path only.
    serializers: {
      req: (req: { id: string; method: string; url: string; remoteAddress?: string }) => ({
        id: req.id,
        method: req.method,
        path: req.url.split('?')[0],
        remoteAddress: req.remoteAddress,
      }),
    },
    customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
    autoLogging: { ignore: (req) => req.url?.startsWith('/health') ?? false },
  };
  return { pinoHttp: destination ? [options, destination] : options };
}
