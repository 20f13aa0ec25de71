import { type ArgumentsHost, Catch, type ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type AppError, ErrorCode, pathOf, sendJson, toAppError } from '#app/common';
import { DirectoryError } from '#app/hr-source';
import { isKnownCode, WorkPlusCode, WorkPlusError, workPlusHttpStatus, type WorkPlusEnvelope } from '#app/workplus';

/**
 * The statuses the bridge itself answers on the WorkPlus surface. WorkPlus documents none of
 * them; as for its undocumented 400/404/500, the envelope's `status` is the HTTP status, so
 * that every answer, even the bridge's own refusal, is an envelope a WorkPlus client can read.
 * A missing or unknown `access_token` is WorkPlus's own 10011.
 */
export const ProxyStatus = {
  Unauthorized: WorkPlusCode.TokenNotFound,
  Forbidden: 403,
  NotFound: 404,
  Conflict: 409,
  PayloadTooLarge: 413,
  TooManyRequests: 429,
  BadGateway: 502,
  Unavailable: 503,
  GatewayTimeout: 504,
} as const;

/** Answered by the directory with a non-zero status: passed to the caller as it came. */
export class UpstreamRefusal extends Error {
  constructor(readonly envelope: WorkPlusEnvelope<unknown>) {
    super(`The directory answered ${envelope.status} ${envelope.message}`);
    this.name = 'UpstreamRefusal';
  }
}

export interface ProxyAnswer {
  httpStatus: number;
  envelope: WorkPlusEnvelope<unknown>;
}

/** A bridge error code as the WorkPlus envelope and HTTP status of the proxy. */
function fromAppError(error: AppError): ProxyAnswer {
  const fields = error.details?.fields ? { fields: error.details.fields } : null;
  const answer = (status: number, httpStatus: number, result: unknown = null): ProxyAnswer => ({
    httpStatus,
    envelope: { status, message: error.message, result },
  });
  switch (error.code) {
    case ErrorCode.ValidationFailed:
    case ErrorCode.BadRequest:
      return answer(WorkPlusCode.BadRequest, 400, fields);
    case ErrorCode.Unprocessable:
      return answer(WorkPlusCode.BadRequest, 422, fields);
    case ErrorCode.AuthRequired:
    case ErrorCode.ClientRevoked:
      return answer(ProxyStatus.Unauthorized, 401);
    case ErrorCode.AuthForbidden:
    case ErrorCode.ClientManaged:
      return answer(ProxyStatus.Forbidden, 403);
    case ErrorCode.RouteNotFound:
    case ErrorCode.ClientNotFound:
    case ErrorCode.NotFound:
      return answer(ProxyStatus.NotFound, 404);
    case ErrorCode.ClientExists:
    case ErrorCode.Conflict:
      return answer(ProxyStatus.Conflict, 409);
    case ErrorCode.PayloadTooLarge:
      return answer(ProxyStatus.PayloadTooLarge, 413);
    case ErrorCode.RateLimited:
      return answer(ProxyStatus.TooManyRequests, 429);
    case ErrorCode.UpstreamFailed:
      return answer(ProxyStatus.BadGateway, 502);
    case ErrorCode.Unavailable:
      return answer(ProxyStatus.Unavailable, 503);
    case ErrorCode.Internal:
      return {
        httpStatus: 500,
        envelope: { status: WorkPlusCode.InternalError, message: 'internal error; see the bridge log (request id in the x-request-id header).', result: null },
      };
  }
}

/** Why the directory gave no usable answer, as the caller sees it (never a token or URL with one). */
export function fromDirectoryError(error: DirectoryError): ProxyAnswer {
  const answer = (status: number, message: string): ProxyAnswer => ({ httpStatus: status, envelope: { status, message, result: { reason: error.kind } } });
  switch (error.kind) {
    case 'unreachable':
      return answer(ProxyStatus.BadGateway, `the directory is unreachable: ${error.message}`);
    case 'timeout':
      return answer(ProxyStatus.GatewayTimeout, `the directory did not answer in time: ${error.message}`);
    case 'http':
    case 'garbage':
      return answer(ProxyStatus.BadGateway, `the directory answered with an error: ${error.message}`);
    case 'token':
      return answer(ProxyStatus.BadGateway, 'the bridge could not obtain a directory token; see the bridge log.');
    case 'cancelled':
      return answer(ProxyStatus.Unavailable, 'the directory call was cancelled.');
  }
}

/** Any error of the proxy as the answer the caller gets. */
export function toProxyAnswer(exception: unknown): ProxyAnswer {
  if (exception instanceof UpstreamRefusal) {
    const { envelope } = exception;
    if (envelope.status === WorkPlusCode.TokenNotFound) {
      // The directory refused the bridge's own token even after a fresh one: not the caller's token.
      return {
        httpStatus: 502,
        envelope: { status: ProxyStatus.BadGateway, message: "the directory refused the bridge's token (10011); see the bridge log.", result: null },
      };
    }
    return { httpStatus: isKnownCode(envelope.status) ? workPlusHttpStatus(envelope.status) : 200, envelope };
  }
  if (exception instanceof DirectoryError) return fromDirectoryError(exception);
  if (exception instanceof WorkPlusError) {
    return {
      httpStatus: isKnownCode(exception.code) ? workPlusHttpStatus(exception.code) : 200,
      envelope: { status: exception.code, message: exception.message, result: exception.result },
    };
  }
  return fromAppError(toAppError(exception));
}

/**
 * The WorkPlus transport of the proxy: every error is `{status, message, result}`, the
 * directory's own refusals exactly as it sent them, the bridge's with the statuses above.
 * Unexpected errors are logged with the request id and answered without details.
 */
@Catch()
export class ProxyEnvelopeFilter implements ExceptionFilter {
  private readonly logger = new Logger(ProxyEnvelopeFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const request = ctx.getRequest<FastifyRequest>();
    const reply = ctx.getResponse<FastifyReply>();
    const { httpStatus, envelope } = toProxyAnswer(exception);
    if (httpStatus === 500) this.logger.error({ err: exception, requestId: request.id }, `Unhandled error on ${request.method} ${pathOf(request)}`);
    else if (exception instanceof DirectoryError)
      this.logger.warn({ requestId: request.id }, `Directory call failed for ${request.method} ${pathOf(request)}: ${exception.kind}: ${exception.message}`);
    sendJson(reply, httpStatus, envelope, httpStatus === 401 ? { 'WWW-Authenticate': 'Bearer realm="directory-proxy"' } : {});
  }
}
