import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';
import { BRIDGE_CONFIG, type BridgeConfig } from '#app/config';
import { SyncService, PublishedPayload } from '#app/snapshots';

/**
 * The cron façade: when to sync, nothing else. Each trigger is one call to SyncService, which
 * the admin API and the tests call too. Several instances may fire together; the database lock
 * lets one run and the others are told a run is in progress.
 */
@Injectable()
export class SyncScheduler implements OnApplicationBootstrap {
  private readonly logger = new Logger(SyncScheduler.name);

  constructor(
    private readonly sync: SyncService,
    private readonly payload: PublishedPayload,
    private readonly registry: SchedulerRegistry,
    @Inject(BRIDGE_CONFIG) private readonly config: BridgeConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { cron, onStart } = this.config.sync;
    if (cron) {
      const job = CronJob.from({ cronTime: cron, onTick: () => this.trigger('schedule'), start: true, timeZone: 'UTC' });
      this.registry.addCronJob('sync', job);
      this.logger.log(`Scheduled syncs: ${cron} (UTC)`);
    }
    if (onStart && !(await this.payload.current())) {
      // In the background: the process starts serving (health, docs) while the first sync runs.
      setImmediate(() => this.trigger('startup'));
    }
  }

  private trigger(trigger: 'schedule' | 'startup'): void {
    this.sync
      .run({ trigger })
      .then((run) => this.logger.log(`Sync run ${run.id} (${trigger}): ${run.status}${run.error ? `: ${run.error}` : ''}`))
      .catch((error: unknown) => this.logger.warn(`Sync (${trigger}) did not run: ${(error as Error).message}`));
  }
}
