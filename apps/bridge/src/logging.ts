import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { LoggerService } from '@nestjs/common';
import { pino, type DestinationStream, type Logger as Pino, type LevelWithSilent } from 'pino';
import { pathOf, requestContext } from '#app/common';
import type { BridgeConfig } from '#app/config';
import type { AnsweredListener } from '#app/metrics';

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

/** The request id: the caller's `x-request-id` when well-formed, a new UUID otherwise (Fastify's `genReqId`). */
export function requestIdOf(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

/**
 * The bridge's pino loggers (JSON lines), both writing to `destination` (standard output unless
 * given; tests read the log through it): `log` for everything the application logs, with the
 * credentials redacted (REDACTED_PATHS); `requests` for the request lines only, which
 * requestLogger builds from fixed fields that never hold a credential (the path without its
 * query string), so they skip the redaction pass (measured: a fifth of the log line's cost).
 */
export function createPino(config: BridgeConfig, destination: DestinationStream = pino.destination(1)): { log: Pino; requests: Pino } {
  return {
    log: pino({ level: config.log.level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, destination),
    requests: pino({ level: config.log.level }, destination),
  };
}

/**
 * One line per answered request (as pino-http wrote them: `req` with the path only, never the
 * query string, which may carry a WorkPlus `access_token`; `res.statusCode`; `responseTime` in
 * ms), at `error` for 5xx and answers cut off, `warn` for 4xx, `info` otherwise; `/health`
 * probes are not logged. Called when the Node response closes (installHttpMetrics' listener), so
 * that streamed answers written after `reply.hijack()` (/sync, the query API, the audit export)
 * are logged like the others.
 */
export function requestLogger(log: Pino): AnsweredListener {
  return (request, reply, ms) => {
    const status = reply.raw.statusCode;
    const finished = reply.raw.writableFinished;
    const level: LevelWithSilent = !finished || status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
    if (!log.isLevelEnabled(level)) return;
    const path = pathOf(request);
    if (path.startsWith('/health')) return;
    log[level](
      { req: { id: request.id, method: request.method, path, remoteAddress: request.ip }, res: { statusCode: status }, responseTime: Math.round(ms) },
      finished ? 'request completed' : 'request aborted',
    );
  };
}

/**
 * Nest's logger on the bridge's pino: `context` and, within a request, its id on every line.
 * Accepts Nest's forms (`message, stack?, context`) and pino's (`{ err, … }, message`).
 */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly pino: Pino) {}

  log(message: unknown, ...rest: unknown[]): void {
    this.write('info', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.write('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('trace', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('fatal', message, rest);
  }

  private write(level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace', message: unknown, rest: unknown[]): void {
    if (!this.pino.isLevelEnabled(level)) return;
    // Nest's Logger appends its context as the last argument.
    const params = [...rest];
    const context = params.length && typeof params[params.length - 1] === 'string' ? (params.pop() as string) : undefined;
    const requestId = requestContext.get()?.requestId;
    const fields: Record<string, unknown> = { ...(context ? { context } : {}), ...(requestId ? { requestId } : {}) };
    if (message instanceof Error) {
      this.pino[level]({ ...fields, err: message }, message.message);
    } else if (typeof message === 'object' && message !== null) {
      this.pino[level]({ ...fields, ...(message as Record<string, unknown>) }, typeof params[0] === 'string' ? params[0] : undefined);
    } else {
      // Nest's error(message, stack): the stack as the error's.
      const stack = level === 'error' && typeof params[0] === 'string' && params[0].includes('\n    at ') ? params[0] : undefined;
      this.pino[level]({ ...fields, ...(stack ? { err: { message: String(message), stack } } : {}) }, String(message));
    }
  }
}
