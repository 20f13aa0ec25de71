import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';
import { BRIDGE_CONFIG, type BridgeConfig } from '#app/config';
import { ReconciliationService } from '#app/omflow-readback';

/**
 * The cron façade of the read-back of OMFLOW (RECONCILE_CRON): when to compare, nothing else.
 * Several instances may fire together; the comparison lock lets one run and the others join it.
 */
@Injectable()
export class ReconcileScheduler implements OnApplicationBootstrap {
  private readonly logger = new Logger(ReconcileScheduler.name);

  constructor(
    private readonly reconciliation: ReconciliationService,
    private readonly registry: SchedulerRegistry,
    @Inject(BRIDGE_CONFIG) private readonly config: BridgeConfig,
  ) {}

  onApplicationBootstrap(): void {
    const { cron } = this.config.readback;
    if (!cron || !this.reconciliation.configured) return;
    const job = CronJob.from({ cronTime: cron, onTick: () => this.trigger(), start: true, timeZone: 'UTC' });
    this.registry.addCronJob('reconcile', job);
    this.logger.log(`Scheduled read-backs of OMFLOW: ${cron} (UTC)`);
  }

  private trigger(): void {
    this.reconciliation
      .start({ trigger: 'schedule' }, false)
      .catch((error: unknown) => this.logger.warn(`The scheduled read-back of OMFLOW did not start: ${(error as Error).message}`));
  }
}
