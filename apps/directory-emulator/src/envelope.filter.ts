import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { failure, isKnownCode, WorkPlusCode, WorkPlusError, workPlusHttpStatus } from '#app/workplus';

/**
 * Every error of the emulator as a WorkPlus envelope: documented codes with HTTP 200 (the docs
 * speak only of `status`), 400/404/500 (undocumented) with the same number as HTTP status.
 * Fastify's own request errors (body too large, Content-Length not matching the body) reach this
 * filter through Nest's error handler and answer as body-parser's did on Express.
 */
@Catch()
export class EnvelopeExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger(EnvelopeExceptionFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const reply = ctx.getResponse<FastifyReply>();
    const request = ctx.getRequest<FastifyRequest>();
    if (reply.sent) return;
    const error = toWorkPlusError(exception);
    if (error.code === WorkPlusCode.InternalError) this.logger.error({ err: exception }, `Unhandled error on ${request.method} ${pathOf(request.url)}`);
    const status = isKnownCode(error.code) ? workPlusHttpStatus(error.code) : 200;
    void reply.status(status).send(failure(error.code as WorkPlusCode, error.message, error.result));
  }
}

/** The path of a request URL, without its query string. */
export function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

/** body-parser's words for the request errors Fastify raises before the JSON parser runs. */
const FASTIFY_BODY_ERRORS: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'request entity too large',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'request size did not match content length',
};

export function toWorkPlusError(exception: unknown): WorkPlusError {
  if (exception instanceof WorkPlusError) return exception;
  const cause = exception instanceof Error ? exception.cause : undefined;
  const fastifyCode = (cause as { code?: unknown } | undefined)?.code ?? (exception as { code?: unknown } | null)?.code;
  if (typeof fastifyCode === 'string' && fastifyCode in FASTIFY_BODY_ERRORS)
    return new WorkPlusError(WorkPlusCode.BadRequest, FASTIFY_BODY_ERRORS[fastifyCode]);
  const status = exception instanceof HttpException ? exception.getStatus() : (exception as { status?: unknown } | null)?.status;
  if (status === 404) return new WorkPlusError(WorkPlusCode.RouteNotFound, exception instanceof Error ? exception.message : 'not found.');
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const message = exception instanceof Error ? exception.message : 'invalid request.';
    return new WorkPlusError(WorkPlusCode.BadRequest, /JSON/i.test(message) ? `the request body is not valid JSON: ${message}` : message);
  }
  return new WorkPlusError(WorkPlusCode.InternalError);
}
