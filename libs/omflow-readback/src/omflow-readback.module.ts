import { Module } from '@nestjs/common';
import { SnapshotsModule } from '#app/snapshots';
import { AfterPullTrigger } from './after-pull.trigger.js';
import { OmflowComparison } from './omflow-comparison.js';
import { OmflowQueryClient } from './omflow-query.client.js';
import { ReadbackEvents } from './readback-events.js';
import { ReadbackMetrics } from './readback-metrics.js';
import { ReconciliationController } from './reconciliation.controller.js';
import { ReconciliationRepository } from './reconciliation.repository.js';
import { ReconciliationService } from './reconciliation.service.js';

/**
 * The read-back of OMFLOW (OMFLOW_URL, OMFLOW_API_*, RECONCILE_*): OMFLOW's user query API read
 * back and compared with the snapshot OMFLOW last pulled, after its pulls, on demand and on the
 * app's schedule; the results stored (omflow_reconciliation), audited, on /metrics, and told to
 * ReadbackEvents (the notifications send `omflow.drift`).
 */
@Module({
  imports: [SnapshotsModule],
  controllers: [ReconciliationController],
  providers: [OmflowQueryClient, OmflowComparison, ReconciliationRepository, ReconciliationService, ReadbackEvents, ReadbackMetrics, AfterPullTrigger],
  exports: [ReconciliationService, ReadbackEvents],
})
export class OmflowReadbackModule {}
