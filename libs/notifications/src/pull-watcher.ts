import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { BRIDGE_CONFIG, type BridgeConfig } from '#app/config';
import { pullAwaitedSince, pullStale, SnapshotReader } from '#app/snapshots';
import { resumedData, staleData } from './notification-payloads.js';
import { NotificationOutbox } from './notification-outbox.repository.js';
import { Notifier } from './notifier.service.js';

const STALE = 'omflow.pull.stale:';
const RESUMED = 'omflow.pull.resumed:';

/**
 * Watches OMFLOW's pulls of /sync (the time the snapshots record, OMFLOW_PULL_STALE_SECONDS):
 * `omflow.pull.stale` once per staleness episode, `omflow.pull.resumed` when OMFLOW pulls again.
 * An episode is named by the time since which a pull is awaited (the last pull, or the first
 * publish), and that name is the notification's dedupe key: every instance watches, and each
 * episode is notified once, across instances and restarts.
 */
@Injectable()
export class PullWatcher implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(PullWatcher.name);
  private timer: NodeJS.Timeout | null = null;
  private checking: Promise<void> | null = null;

  constructor(
    private readonly reader: SnapshotReader,
    private readonly outbox: NotificationOutbox,
    private readonly notifier: Notifier,
    @Inject(BRIDGE_CONFIG) private readonly config: BridgeConfig,
  ) {}

  /** How often the pulls are looked at: a quarter of the threshold, at most a minute. */
  get intervalMs(): number {
    return Math.min(60_000, (this.config.sync.pullStaleSeconds * 1000) / 4);
  }

  onApplicationBootstrap(): void {
    if (!this.notifier.enabled) return;
    this.timer = setInterval(() => {
      this.checking ??= this.check()
        .catch((error: unknown) => this.logger.warn(`Could not check OMFLOW's pulls for notifications: ${String(error)}`))
        .finally(() => (this.checking = null));
    }, this.intervalMs);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.checking;
  }

  /** Notifies a staleness episode that began, or one that ended; `now` is the time to judge by. */
  async check(now = Date.now()): Promise<void> {
    const status = await this.reader.status();
    const since = pullAwaitedSince(status);
    if (!since) return;
    const threshold = this.config.sync.pullStaleSeconds;
    // The key check spares an insert that its unique index would refuse at every tick of an episode.
    const last = await this.outbox.lastDedupeKey(STALE);
    if (pullStale(status, threshold, now)) {
      const staleKey = `${STALE}${since.toISOString()}`;
      if (last === staleKey) return;
      await this.notifier.emit('omflow.pull.stale', staleData(status, since, threshold), {
        dedupeKey: staleKey,
        occurredAt: new Date(since.getTime() + threshold * 1000),
      });
      return;
    }
    if (!last) return;
    const staleSince = new Date(last.slice(STALE.length));
    // The last episode ended when a pull came after the time it was awaited from.
    if (status.lastPullAt && status.lastPullAt.getTime() > staleSince.getTime()) {
      const resumedKey = `${RESUMED}${staleSince.toISOString()}`;
      if ((await this.outbox.lastDedupeKey(RESUMED)) === resumedKey) return;
      await this.notifier.emit('omflow.pull.resumed', resumedData(status, staleSince), {
        dedupeKey: resumedKey,
        occurredAt: status.lastPullAt,
      });
    }
  }
}
