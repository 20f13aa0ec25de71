import { Logger, Module, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { NextFunction, Request, Response } from 'express';
import { toAppError } from '#app/common';
import { envelopeMessage, omflowStatusOf, OmflowEnvelopeFilter } from './omflow-envelope.filter.js';
import { QueryAudit, queryActionOf } from './query-audit.js';
import { QueryClock } from './query-clock.js';
import { SecurityCodeController } from './security.controller.js';
import { SecurityCodeGuard } from './security-code.guard.js';
import { SecurityCodeService } from './security-code.service.js';
import { UserQueryController } from './user-query.controller.js';
import { UserQueryService } from './user-query.service.js';

/** The paths of the query API, whose every answer is an OMFLOW envelope. */
const QUERY_PATHS = ['/rest/accounts/api', '/accounts/api/security'];

/** OMFLOW's user query API (seeds/001): security codes, user list, list-by-group, group list. */
@Module({
  controllers: [SecurityCodeController, UserQueryController],
  providers: [QueryClock, QueryAudit, SecurityCodeService, SecurityCodeGuard, UserQueryService, OmflowEnvelopeFilter],
  exports: [QueryClock],
})
export class QueryModule implements OnModuleInit {
  private readonly logger = new Logger(QueryModule.name);

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly audit: QueryAudit,
  ) {}

  /**
   * Body-parser errors (malformed JSON, a body over BODY_LIMIT) happen before any route, so no
   * controller filter sees them. Registered at init, after the parsers and routes and before
   * Nest's own error handler, this answers them in the envelope on the query paths only.
   */
  onModuleInit(): void {
    const instance: unknown = this.adapterHost.httpAdapter?.getInstance();
    if (typeof (instance as { use?: unknown } | undefined)?.use !== 'function') return;
    (instance as { use(paths: string[], handler: (error: unknown, req: Request, res: Response, next: NextFunction) => void): void }).use(QUERY_PATHS, (error, req, res, next) => {
      if (res.headersSent) return next(error);
      const appError = toAppError(error);
      const status = omflowStatusOf(appError.code);
      const message = envelopeMessage(appError, status);
      this.audit
        .record(queryActionOf(req.originalUrl), 'failure', { status, message })
        .catch((auditError: unknown) => this.logger.error({ err: auditError }, 'Could not audit a query API failure'))
        .finally(() => res.status(200).json({ status, message, result: null }));
    });
  }
}
