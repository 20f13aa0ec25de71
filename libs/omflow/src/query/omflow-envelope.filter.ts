import { type ArgumentsHost, Catch, type ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type AppError, ErrorCode, pathOf, sendJson, toAppError } from '#app/common';
import { QueryAudit, queryActionOf } from './query-audit.js';

/** OMFLOW's `{status, message, result}` statuses for every error code of the bridge. */
export function omflowStatusOf(code: ErrorCode): 403 | 404 | 500 {
  switch (code) {
    case ErrorCode.AuthRequired:
    case ErrorCode.AuthForbidden:
    case ErrorCode.ClientRevoked:
    case ErrorCode.ClientNotFound:
    case ErrorCode.RateLimited:
      return 403;
    case ErrorCode.ValidationFailed:
    case ErrorCode.BadRequest:
    case ErrorCode.Unprocessable:
    case ErrorCode.PayloadTooLarge:
    case ErrorCode.RouteNotFound:
    case ErrorCode.NotFound:
    case ErrorCode.Conflict:
    case ErrorCode.ClientExists:
    case ErrorCode.ClientManaged:
      return 404;
    case ErrorCode.Unavailable:
    case ErrorCode.UpstreamFailed:
    case ErrorCode.Internal:
      return 500;
  }
}

export function envelopeMessage(error: AppError, status: number): string {
  if (status === 404) return `Query failed: ${error.message}`;
  if (status === 500) return 'Query failed: an internal error occurred; see the bridge log (request id in the x-request-id header).';
  return error.message;
}

/**
 * The OMFLOW transport: every error of the query API answers HTTP 200 with
 * `{status: 403|404|500, message, result: null}`, as OMFLOW does; unexpected errors are logged
 * with the request id and answered without details. Failures are audited (QUERY_AUDIT).
 */
@Catch()
export class OmflowEnvelopeFilter implements ExceptionFilter {
  private readonly logger = new Logger(OmflowEnvelopeFilter.name);

  constructor(private readonly audit: QueryAudit) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const request = ctx.getRequest<FastifyRequest>();
    const reply = ctx.getResponse<FastifyReply>();
    const error = toAppError(exception);
    const status = omflowStatusOf(error.code);
    if (status === 500) this.logger.error({ err: exception, requestId: request.id }, `Unhandled error on ${request.method} ${pathOf(request)}`);
    const message = envelopeMessage(error, status);
    // A streamed answer that failed half-way is cut off rather than ended as if complete.
    const send = () => sendJson(reply, 200, { status, message, result: null });
    const clientId = typeof error.details?.clientId === 'string' ? error.details.clientId : null;
    this.audit
      .record(
        queryActionOf(pathOf(request)),
        status === 403 ? 'denied' : 'failure',
        { status, message },
        clientId ? { type: 'api_client', id: clientId } : undefined,
      )
      .catch((auditError: unknown) => this.logger.error({ err: auditError, requestId: request.id }, 'Could not audit a query API failure'))
      .finally(send);
  }
}
