import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { BRIDGE_CONFIG, type BridgeConfig } from '#app/config';
import { SnapshotEvents, type SnapshotPulled } from '#app/snapshots';
import { ReconciliationService } from './reconciliation.service.js';

/**
 * Compares OMFLOW with a snapshot once OMFLOW has pulled it: RECONCILE_AFTER_PULL_SECONDS after
 * OMFLOW's first pull of a newly published snapshot (time for OMFLOW to apply it), on the instance
 * that served the pull. A newer pull meanwhile moves the comparison later; one already running
 * (anywhere) is joined, not doubled. A missed one (the instance stopped) is caught by RECONCILE_CRON.
 */
@Injectable()
export class AfterPullTrigger implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger(AfterPullTrigger.name);
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly events: SnapshotEvents,
    private readonly reconciliation: ReconciliationService,
    @Inject(BRIDGE_CONFIG) private readonly config: BridgeConfig,
  ) {}

  onModuleInit(): void {
    if (!this.reconciliation.configured || this.config.readback.afterPullSeconds === 0) return;
    this.events.onSnapshotPulled((event) => Promise.resolve(this.pulled(event)));
  }

  beforeApplicationShutdown(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  pulled(event: SnapshotPulled): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.reconciliation
        .start({ trigger: 'after-pull' }, false)
        .catch((error: unknown) =>
          this.logger.warn(`The comparison after OMFLOW pulled snapshot ${event.snapshotId} did not start: ${(error as Error).message}`),
        );
    }, this.config.readback.afterPullSeconds * 1000);
    this.timer.unref();
  }
}
