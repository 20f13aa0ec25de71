import { Logger, Module, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { installBodyErrorHandler } from '#app/common';
import { SnapshotsModule } from '#app/snapshots';
import { envelopeMessage, omflowStatusOf, OmflowEnvelopeFilter } from './omflow-envelope.filter.js';
import { QueryAudit, queryActionOf } from './query-audit.js';
import { QueryClock } from './query-clock.js';
import { SecurityCodeController } from './security.controller.js';
import { SecurityCodeGuard } from './security-code.guard.js';
import { SecurityCodeService } from './security-code.service.js';
import { UserQueryController } from './user-query.controller.js';
import { UserQueryService } from './user-query.service.js';

/** The paths of the query API, whose every answer is an OMFLOW envelope. */
export const QUERY_PATHS = ['/rest/accounts/api', '/accounts/api/security'];

/** OMFLOW's user query API (seeds/001): security codes, user list, list-by-group, group list. */
@Module({
  imports: [SnapshotsModule],
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

  /** Malformed or oversized bodies on the query paths answer in the envelope too. */
  onModuleInit(): void {
    installBodyErrorHandler(this.adapterHost, QUERY_PATHS, async (appError, req, res) => {
      const status = omflowStatusOf(appError.code);
      const message = envelopeMessage(appError, status);
      await this.audit
        .record(queryActionOf(req.originalUrl), 'failure', { status, message })
        .catch((auditError: unknown) => this.logger.error({ err: auditError }, 'Could not audit a query API failure'));
      res.status(200).json({ status, message, result: null });
    });
  }
}
