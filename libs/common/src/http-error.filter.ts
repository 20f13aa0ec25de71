import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger, Optional } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError, ErrorCode, httpStatusOf } from './app-error.js';
import { BodyErrorRenderers, isBodyError } from './body-error-renderers.js';
import { pathOf, sendJson } from './http.js';

/**
 * A message without the query string or fragment of any path it names: Nest's unknown-route
 * 404 says `Cannot GET <originalUrl>`, and a WorkPlus-style caller puts its `access_token` there.
 */
export function withoutQueryStrings(message: string): string {
  return message.replace(/(\/[^\s?#]*)[?#]\S*/g, '$1');
}

/** Maps an HttpException raised by Nest or Fastify (404 route, 413 body, unsupported media type). */
export function fromHttpException(error: HttpException): AppError {
  const status = error.getStatus();
  const response = error.getResponse();
  const message = typeof response === 'object' && response !== null && 'message' in response ? String(response.message) : error.message;
  switch (status) {
    case 404:
      return new AppError(ErrorCode.RouteNotFound, withoutQueryStrings(message));
    case 413:
      return new AppError(ErrorCode.PayloadTooLarge, 'The request body is larger than BODY_LIMIT allows.');
    case 401:
      return new AppError(ErrorCode.AuthRequired, message);
    case 403:
      return new AppError(ErrorCode.AuthForbidden, message);
    case 429:
      return new AppError(ErrorCode.RateLimited, 'Too many requests; retry later.');
    case 503:
      // Terminus and Nest raise ServiceUnavailableException; their default message says nothing useful.
      return new AppError(ErrorCode.Unavailable, /^Service Unavailable( Exception)?$/.test(message) ? 'The service is not available; retry later.' : message);
    default:
      if (status >= 400 && status < 500) {
        return new AppError(ErrorCode.BadRequest, /JSON/i.test(message) ? `The request body is not valid JSON: ${message}` : message);
      }
      return new AppError(ErrorCode.Internal, 'Internal error.');
  }
}

/** Any thrown value as an AppError; the unexpected become INTERNAL (details only in the log). */
export function toAppError(exception: unknown): AppError {
  if (exception instanceof AppError) return exception;
  if (exception instanceof HttpException) return fromHttpException(exception);
  const status = (exception as { status?: unknown; type?: unknown } | null)?.status;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    // Errors of the HTTP layer that carry a status but are not HttpExceptions.
    return fromHttpException(new HttpException((exception as Error).message, status));
  }
  return new AppError(ErrorCode.Internal, 'Internal error.');
}

/**
 * The bridge's JSON error shape: `{ error: { code, message, fields?, requestId } }`. Unexpected
 * errors are logged with the request id and answered without their details. A request-body
 * error (raised before any route) under a surface that answers in its own contract
 * (BodyErrorRenderers) is handed to that surface.
 */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger(HttpErrorFilter.name);

  constructor(@Optional() private readonly bodyErrors?: BodyErrorRenderers) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const request = ctx.getRequest<FastifyRequest>();
    const reply = ctx.getResponse<FastifyReply>();
    const error = toAppError(exception);
    const surface = isBodyError(exception) ? this.bodyErrors?.surfaceOf(pathOf(request)) : undefined;
    if (surface) {
      Promise.resolve(surface.render(error, request, reply)).catch((renderError: unknown) => {
        this.logger.error({ err: renderError, requestId: request.id }, `Could not answer a body error on ${request.method} ${pathOf(request)}`);
        this.answer(error, request, reply);
      });
      return;
    }
    if (httpStatusOf(error.code) >= 500)
      this.logger.error({ err: exception, requestId: request.id }, `Unhandled error on ${request.method} ${pathOf(request)}`);
    this.answer(error, request, reply);
  }

  private answer(error: AppError, request: FastifyRequest, reply: FastifyReply): void {
    sendJson(
      reply,
      httpStatusOf(error.code),
      { error: { code: error.code, message: error.message, ...(error.details?.fields ? { fields: error.details.fields } : {}), requestId: request.id } },
      error.details?.challenge ? { 'WWW-Authenticate': error.details.challenge } : {},
    );
  }
}
