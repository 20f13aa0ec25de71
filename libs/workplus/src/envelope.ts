import { WorkPlusCode, workPlusMessage } from './codes.js';

/** Every WorkPlus answer: `status` 0 is success, anything else an error code of `WorkPlusCode`. */
export interface WorkPlusEnvelope<T> {
  status: number;
  message: string;
  result: T;
}

/** A success envelope (`message` is "ok" unless told; the import calls say "Everything is ok."). */
export function ok<T>(result: T, message = 'ok'): WorkPlusEnvelope<T> {
  return { status: WorkPlusCode.Ok, message, result };
}

/** An error envelope; `result` is null unless details are given. */
export function failure(code: WorkPlusCode, message: string = workPlusMessage(code), result: unknown = null): WorkPlusEnvelope<unknown> {
  return { status: code, message, result };
}

/** An error carrying a WorkPlus code: thrown by services, turned into an envelope at the edge. */
export class WorkPlusError extends Error {
  constructor(
    readonly code: number,
    message?: string,
    readonly result: unknown = null,
  ) {
    super(message ?? (isKnownCode(code) ? workPlusMessage(code) : `WorkPlus error ${code}`));
    this.name = 'WorkPlusError';
  }
}

export function isKnownCode(code: number): code is WorkPlusCode {
  return (Object.values(WorkPlusCode) as number[]).includes(code);
}

/** True when the value has the envelope's shape (numeric status, string message, a result key). */
export function isWorkPlusEnvelope(value: unknown): value is WorkPlusEnvelope<unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const v = value as Record<string, unknown>;
  return typeof v.status === 'number' && typeof v.message === 'string' && 'result' in v;
}

/**
 * The `result` of a parsed answer, or a WorkPlusError: for a non-envelope body (code 500,
 * "not a WorkPlus envelope") or a non-zero status (that status and message).
 */
export function unwrapEnvelope<T>(body: unknown): T {
  if (!isWorkPlusEnvelope(body)) throw new WorkPlusError(WorkPlusCode.InternalError, 'not a WorkPlus envelope');
  if (body.status !== WorkPlusCode.Ok) throw new WorkPlusError(body.status, body.message, body.result);
  return body.result as T;
}
