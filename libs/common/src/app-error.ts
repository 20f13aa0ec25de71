/**
 * Every error a service throws is an AppError with a stable code; each transport (the bridge's
 * JSON API, OMFLOW's envelopes, WorkPlus's envelope) maps codes to its own answer with an
 * exhaustive switch, so adding a code forces every transport to decide.
 */
export const ErrorCode = {
  ValidationFailed: 'VALIDATION.FAILED',
  BadRequest: 'REQUEST.INVALID',
  /** A well-formed request that cannot be carried out as asked (names what the target does not have, or contradicts itself). */
  Unprocessable: 'REQUEST.UNPROCESSABLE',
  PayloadTooLarge: 'REQUEST.TOO_LARGE',
  RouteNotFound: 'ROUTE.NOT_FOUND',
  AuthRequired: 'AUTH.REQUIRED',
  AuthForbidden: 'AUTH.FORBIDDEN',
  RateLimited: 'AUTH.RATE_LIMITED',
  ClientNotFound: 'CLIENT.NOT_FOUND',
  ClientExists: 'CLIENT.ALREADY_EXISTS',
  ClientManaged: 'CLIENT.MANAGED_BY_ENVIRONMENT',
  ClientRevoked: 'CLIENT.REVOKED',
  NotFound: 'RESOURCE.NOT_FOUND',
  Conflict: 'RESOURCE.CONFLICT',
  Unavailable: 'SERVICE.UNAVAILABLE',
  UpstreamFailed: 'UPSTREAM.FAILED',
  Internal: 'INTERNAL',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** One invalid field of a request, named by its path (`positions[0].org_id`). */
export interface FieldProblem {
  field: string;
  problems: string[];
}

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: { fields?: FieldProblem[]; challenge?: string; [key: string]: unknown },
  ) {
    super(message);
    this.name = 'AppError';
  }
}

/** The HTTP status of each code for the bridge's own JSON API. */
export function httpStatusOf(code: ErrorCode): number {
  switch (code) {
    case ErrorCode.ValidationFailed:
    case ErrorCode.BadRequest:
      return 400;
    case ErrorCode.Unprocessable:
      return 422;
    case ErrorCode.AuthRequired:
      return 401;
    case ErrorCode.AuthForbidden:
    case ErrorCode.ClientManaged:
      return 403;
    case ErrorCode.RouteNotFound:
    case ErrorCode.ClientNotFound:
    case ErrorCode.NotFound:
      return 404;
    case ErrorCode.ClientExists:
    case ErrorCode.ClientRevoked:
    case ErrorCode.Conflict:
      return 409;
    case ErrorCode.PayloadTooLarge:
      return 413;
    case ErrorCode.RateLimited:
      return 429;
    case ErrorCode.UpstreamFailed:
      return 502;
    case ErrorCode.Unavailable:
      return 503;
    case ErrorCode.Internal:
      return 500;
  }
}
