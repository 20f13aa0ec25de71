import { Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { requestContext } from '#app/common';

/** Opens the request's context (id, source IP, later the actor) for audit and logs. */
@Injectable()
export class RequestContextMiddleware implements NestMiddleware {
  use(req: Request & { id?: string }, _res: Response, next: NextFunction): void {
    requestContext.run({ requestId: String(req.id ?? ''), sourceIp: req.ip ?? null }, next);
  }
}
