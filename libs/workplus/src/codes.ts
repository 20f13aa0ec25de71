/**
 * The `status` codes of the WorkPlus (BeeWorks) envelope. The documented ones come from the
 * employee-directory contract (seeds/002) and the public docs (open.workplus.io, docs/api/);
 * `BadRequest`, `RouteNotFound` and `InternalError` are not documented by WorkPlus: the
 * emulator (and the bridge's proxy) answer invalid requests with the HTTP status as the
 * envelope status, so that every answer, even an error, is an envelope.
 */
export const WorkPlusCode = {
  Ok: 0,
  /** The access token is unknown, was replaced by a newer one, or has expired. */
  TokenNotFound: 10011,
  /** `POST /v1/token`: no application with that client_id in that domain/organisation. */
  AppNotFound: 202102,
  /** `POST /v1/token`: the client_secret is wrong. */
  AppAuthFailed: 202104,
  EmployeeExists: 202011,
  EmployeeNotFound: 202012,
  UnsupportedOperation: 202013,
  OrganizationNotFound: 208502,
  OrganizationHasEmployees: 208507,
  /** Not documented by WorkPlus: a request that fails validation (HTTP 400). */
  BadRequest: 400,
  /** Not documented by WorkPlus: an unknown route (HTTP 404). */
  RouteNotFound: 404,
  /** Not documented by WorkPlus: an unexpected failure (HTTP 500). */
  InternalError: 500,
} as const;

export type WorkPlusCode = (typeof WorkPlusCode)[keyof typeof WorkPlusCode];

/** The message that goes with each code when nothing more specific is said. */
export function workPlusMessage(code: WorkPlusCode): string {
  switch (code) {
    case WorkPlusCode.Ok:
      return 'ok';
    case WorkPlusCode.TokenNotFound:
      return 'token not found.';
    case WorkPlusCode.AppNotFound:
      return 'app not found.';
    case WorkPlusCode.AppAuthFailed:
      return 'app authentication failed.';
    case WorkPlusCode.EmployeeExists:
      return 'employee already exists.';
    case WorkPlusCode.EmployeeNotFound:
      return 'employee not found.';
    case WorkPlusCode.UnsupportedOperation:
      return 'unsupported operation.';
    case WorkPlusCode.OrganizationNotFound:
      return 'organization not found.';
    case WorkPlusCode.OrganizationHasEmployees:
      return 'organization still has employees.';
    case WorkPlusCode.BadRequest:
      return 'invalid request.';
    case WorkPlusCode.RouteNotFound:
      return 'not found.';
    case WorkPlusCode.InternalError:
      return 'internal server error.';
  }
}

/** The HTTP status the emulator (and the bridge's proxy) answer each code with. */
export function workPlusHttpStatus(code: WorkPlusCode): number {
  switch (code) {
    case WorkPlusCode.BadRequest:
      return 400;
    case WorkPlusCode.RouteNotFound:
      return 404;
    case WorkPlusCode.InternalError:
      return 500;
    case WorkPlusCode.Ok:
    case WorkPlusCode.TokenNotFound:
    case WorkPlusCode.AppNotFound:
    case WorkPlusCode.AppAuthFailed:
    case WorkPlusCode.EmployeeExists:
    case WorkPlusCode.EmployeeNotFound:
    case WorkPlusCode.UnsupportedOperation:
    case WorkPlusCode.OrganizationNotFound:
    case WorkPlusCode.OrganizationHasEmployees:
      // The docs describe business errors only through the envelope's `status`; the emulator
      // answers them with HTTP 200, so a client must always read `status`.
      return 200;
  }
}
