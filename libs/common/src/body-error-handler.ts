import type { HttpAdapterHost } from '@nestjs/core';
import type { NextFunction, Request, Response } from 'express';
import { toAppError } from './http-error.filter.js';
import type { AppError } from './app-error.js';

/** Answers a request-body error in a surface's own contract. */
export type BodyErrorRenderer = (error: AppError, req: Request, res: Response) => void | Promise<void>;

/**
 * Body-parser errors (malformed JSON, a body over BODY_LIMIT) happen before any route, so no
 * controller filter sees them and the bridge's global filter would answer in its own shape.
 * Call from a module's `onModuleInit` (after the parsers are registered, before Nest's final
 * handler) so that the surface under `paths` answers them in its contract: OMFLOW's envelope,
 * WorkPlus's envelope, `{"status":"fail"}`.
 */
export function installBodyErrorHandler(adapterHost: HttpAdapterHost, paths: string[], render: BodyErrorRenderer): void {
  const instance: unknown = adapterHost.httpAdapter?.getInstance();
  if (typeof (instance as { use?: unknown } | undefined)?.use !== 'function') return;
  (instance as { use(paths: string[], handler: (error: unknown, req: Request, res: Response, next: NextFunction) => void): void }).use(
    paths,
    (error, req, res, next) => {
      if (res.headersSent) {
        next(error);
        return;
      }
      Promise.resolve(render(toAppError(error), req, res)).catch(next);
    },
  );
}
