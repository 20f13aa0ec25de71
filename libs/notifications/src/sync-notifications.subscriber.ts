import { Injectable, type OnModuleInit } from '@nestjs/common';
import { SnapshotEvents, type RemovalsDue, type SyncRun } from '#app/snapshots';
import { failedData, heldData, quarantinedData, quarantinedPeople, removalsDueData } from './notification-payloads.js';
import { QuarantineNotices } from './notification-outbox.repository.js';
import { Notifier } from './notifier.service.js';

/** Statuses of a run whose checks ran over the whole organisation (what it quarantined is known). */
const CHECKED: ReadonlySet<SyncRun['status']> = new Set(['published', 'unchanged', 'held']);

/**
 * Turns what happens to sync runs into notifications: a held run, a failed run, the people a
 * run quarantined for the first time, removals due. Subscribed to the snapshots' events when the
 * module starts (snapshots knows nothing of notifications); each reaction is an insert or two,
 * after the run's outcome committed, and a failure of it is logged by SnapshotEvents, never the
 * run's.
 */
@Injectable()
export class SyncNotificationsSubscriber implements OnModuleInit {
  constructor(
    private readonly events: SnapshotEvents,
    private readonly notifier: Notifier,
    private readonly quarantine: QuarantineNotices,
  ) {}

  onModuleInit(): void {
    if (!this.notifier.enabled) return;
    this.events.onRunEnded((run) => this.runEnded(run));
    this.events.onRemovalsDue((event) => this.removalsDue(event));
  }

  async runEnded(run: SyncRun): Promise<void> {
    const occurredAt = run.finishedAt ?? new Date();
    if (run.status === 'held') await this.notifier.emit('sync.run.held', heldData(run, this.notifier.linkBase), { occurredAt });
    if (run.status === 'failed') await this.notifier.emit('sync.run.failed', failedData(run, this.notifier.linkBase), { occurredAt });
    if (CHECKED.has(run.status) && !run.dryRun) await this.quarantined(run, occurredAt);
  }

  /**
   * A person is notified when a run first finds them quarantined: the people currently
   * quarantined are remembered (notification_quarantine), and forgotten when a run finds them
   * clean again. A run that kept only part of its findings (MAX_FINDINGS) adds, never forgets.
   */
  private async quarantined(run: SyncRun, occurredAt: Date): Promise<void> {
    const people = quarantinedPeople(run.findings);
    const complete = run.findingCount <= run.findings.length;
    const fresh = await this.quarantine.update(run.id, new Set(people.keys()), complete, occurredAt);
    if (!fresh.length) return;
    await this.notifier.emit(
      'person.quarantined',
      quarantinedData(
        run,
        fresh.map((key) => people.get(key)!),
        this.notifier.linkBase,
      ),
      { occurredAt },
    );
  }

  async removalsDue(event: RemovalsDue): Promise<void> {
    if (event.count > 0) await this.notifier.emit('sync.removals.due', removalsDueData(event));
  }
}
