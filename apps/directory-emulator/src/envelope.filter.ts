import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { failure, isKnownCode, WorkPlusCode, WorkPlusError, workPlusHttpStatus } from '#app/workplus';

/**
 * Every error of the emulator as a WorkPlus envelope: documented codes with HTTP 200 (the docs
 * speak only of `status`), 400/404/500 (undocumented) with the same number as HTTP status.
 */
@Catch()
export class EnvelopeExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger(EnvelopeExceptionFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const response = ctx.getResponse<Response>();
    const request = ctx.getRequest<Request>();
    if (response.headersSent) return;
    const error = toWorkPlusError(exception);
    if (error.code === WorkPlusCode.InternalError) this.logger.error({ err: exception }, `Unhandled error on ${request.method} ${request.path}`);
    const status = isKnownCode(error.code) ? workPlusHttpStatus(error.code) : 200;
    response.status(status).json(failure(error.code as WorkPlusCode, error.message, error.result));
  }
}

export function toWorkPlusError(exception: unknown): WorkPlusError {
  if (exception instanceof WorkPlusError) return exception;
  const status = exception instanceof HttpException ? exception.getStatus() : (exception as { status?: unknown } | null)?.status;
  if (status === 404) return new WorkPlusError(WorkPlusCode.RouteNotFound, exception instanceof Error ? exception.message : 'not found.');
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const message = exception instanceof Error ? exception.message : 'invalid request.';
    return new WorkPlusError(WorkPlusCode.BadRequest, /JSON/i.test(message) ? `the request body is not valid JSON: ${message}` : message);
  }
  return new WorkPlusError(WorkPlusCode.InternalError);
}
