import { Inject, Injectable } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { BRIDGE_CONFIG, type BridgeConfig } from '#app/config';
import { MetricsRegistry } from '#app/metrics';
import { NotificationsHealth, type NotificationsStatus } from '#app/notifications';
import { pullStale, SnapshotReader, type SyncStatus } from '#app/snapshots';

const seconds = (d: Date | null): number => (d ? d.getTime() / 1000 : 0);

/**
 * The state gauges of /metrics (what is published, the last run, held runs, OMFLOW's last pull,
 * failing notifications),
 * read from the database when Prometheus scrapes, so that every instance reports the shared
 * state (a run or a pull on another instance included). One status read serves all of them.
 */
@Injectable()
export class StatusMetrics {
  /** The status read of the scrape in progress, shared by the gauges' collect(). */
  private reading: Promise<SyncStatus> | null = null;

  constructor(
    private readonly reader: SnapshotReader,
    @Inject(BRIDGE_CONFIG) private readonly config: BridgeConfig,
    registry: MetricsRegistry,
    private readonly notifications: NotificationsHealth,
  ) {
    const gauge = (name: string, help: string, value: (s: SyncStatus) => number): void => {
      const g: Gauge = new Gauge({
        name,
        help,
        registers: [registry],
        collect: async () => g.set(value(await this.status())),
      });
    };
    gauge('bridge_published_snapshot_id', 'The snapshot /sync serves (0: none).', (s) => s.publishedSnapshotId ?? 0);
    gauge('bridge_sync_payload_bytes', 'Size of the uncompressed /sync answer.', (s) => s.payloadBytes ?? 0);
    gauge('bridge_sync_last_success_timestamp_seconds', 'End of the last run that published or found nothing new.', (s) => seconds(s.lastSuccessAt));
    gauge('bridge_sync_last_run_failed', '1 when the last run failed.', (s) => (s.lastRun?.status === 'failed' ? 1 : 0));
    gauge('bridge_sync_held_runs', 'Runs waiting for an approval.', (s) => s.heldRuns);
    gauge('bridge_sync_pending_removals', 'People missing from the directory whose removal from /sync waits out the grace window, or is due.', (s) => s.pendingRemovals);
    gauge('bridge_omflow_last_pull_timestamp_seconds', 'When OMFLOW last pulled /sync (0: never).', (s) => seconds(s.lastPullAt));
    gauge('bridge_omflow_pull_stale', '1 when OMFLOW has not pulled for longer than OMFLOW_PULL_STALE_SECONDS.', (s) =>
      pullStale(s, this.config.sync.pullStaleSeconds) ? 1 : 0,
    );
    // The same two counts as /health's `notifications` (failing: retried with back-off; abandoned: given up within 24 h).
    const failing: Gauge<'state'> = new Gauge({
      name: 'bridge_notifications_failing',
      help: 'Notifications failing, as /health counts them: state=retrying (failed attempts, retried with back-off), state=abandoned (given up within the last 24 h).',
      labelNames: ['state'],
      registers: [registry],
      collect: async () => {
        const status: NotificationsStatus = await this.notifications.status();
        failing.set({ state: 'retrying' }, status.failing);
        failing.set({ state: 'abandoned' }, status.abandoned);
      },
    });
  }

  /** One read per scrape: the gauges collect together, and the first to ask starts the read the others share. */
  private status(): Promise<SyncStatus> {
    if (!this.reading) {
      const reading = this.reader.status();
      this.reading = reading;
      const done = () => {
        if (this.reading === reading) this.reading = null;
      };
      reading.then(done, done);
    }
    return this.reading;
  }
}
