import { Module } from '@nestjs/common';
import { SnapshotsModule } from '#app/snapshots';
import { OmflowEnvelopeFilter } from './omflow-envelope.filter.js';
import { QueryAudit } from './query-audit.js';
import { QueryBodyErrors } from './query-body-errors.js';
import { SecurityCodeController } from './security.controller.js';
import { SecurityCodeGuard } from './security-code.guard.js';
import { SecurityCodeService } from './security-code.service.js';
import { UserQueryController } from './user-query.controller.js';
import { UserQueryService } from './user-query.service.js';

/** OMFLOW's user query API (seeds/001): security codes, user list, list-by-group, group list. */
@Module({
  imports: [SnapshotsModule],
  controllers: [SecurityCodeController, UserQueryController],
  providers: [QueryAudit, SecurityCodeService, SecurityCodeGuard, UserQueryService, OmflowEnvelopeFilter, QueryBodyErrors],
})
export class QueryModule {}
