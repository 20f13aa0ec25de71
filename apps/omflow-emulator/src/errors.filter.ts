import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** OMFLOW's own paths, whose every answer is its `{status, message, result}` envelope. */
const OMFLOW_PATHS = /^\/(rest|accounts)\//i;

/**
 * Errors raised before a handler runs (a malformed JSON body, an unknown route) or escaping one:
 * on OMFLOW's paths the envelope (HTTP 200; 404 "Query failed: …", 500 for the unexpected), on
 * the admin paths Nest's JSON error (`{statusCode, message}`).
 */
@Catch()
export class ErrorsFilter implements ExceptionFilter {
  private readonly logger = new Logger(ErrorsFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const status = exception instanceof HttpException ? exception.getStatus() : 500;
    if (status >= 500) this.logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
    const body = exception instanceof HttpException ? exception.getResponse() : { statusCode: 500, message: 'Internal server error' };
    if (OMFLOW_PATHS.test(request.url)) {
      const raw = typeof body === 'string' ? body : (body as { message?: unknown }).message;
      const message = typeof raw === 'string' ? raw : Array.isArray(raw) ? raw.join('; ') : 'bad request';
      void reply.status(200).send({
        status: status >= 500 ? 500 : 404,
        message: status >= 500 ? 'Query failed: an internal error occurred.' : `Query failed: ${message}`,
        result: null,
      });
      return;
    }
    void reply.status(status).send(typeof body === 'string' ? { statusCode: status, message: body } : body);
  }
}
