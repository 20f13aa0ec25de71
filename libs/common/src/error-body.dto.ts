/** One invalid field. */
export class FieldProblemDto {
  /** Path of the field in the request, e.g. `scopes[1]`. */
  field: string;
  /** What is wrong with it. */
  problems: string[];
}

export class ErrorDetailDto {
  /** Stable, machine-readable code, e.g. `VALIDATION.FAILED`, `CLIENT.NOT_FOUND`. */
  code: string;
  /** What went wrong and, where it helps, what to do about it. */
  message: string;
  /** Invalid fields, for `VALIDATION.FAILED`. */
  fields?: FieldProblemDto[];
  /** The request id (also in the `x-request-id` response header and the logs). */
  requestId?: string;
}

/** The error answer of every endpoint of the bridge's own API. */
export class ErrorBodyDto {
  error: ErrorDetailDto;
}
