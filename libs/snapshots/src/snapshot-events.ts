import { Injectable, Logger } from '@nestjs/common';
import type { SyncRun } from './sync-run.entity.js';

/** People who kept their directory id under a new username, in a snapshot just published. */
export interface RenamesPublished {
  snapshotId: number;
  renames: readonly { key: string; from: string; to: string }[];
}

/**
 * Pending removals whose grace window has passed (issue 15 part 3): the people about to leave
 * `/sync`. Whoever decides that they are due emits it with `SnapshotEvents.removalsDue()`; the
 * notifications send `sync.removals.due`.
 */
export interface RemovalsDue {
  /** The run or decision that makes them due, when there is one. */
  runId?: number | null;
  /** How many people are due (all of them, even when `people` lists fewer). */
  count: number;
  people: readonly { key: string; username: string; missingSince?: Date | string | null; dueAt: Date | string }[];
}

/** OMFLOW pulled a snapshot that the pull recorded before it did not name: its first pull of that snapshot. */
export interface SnapshotPulled {
  snapshotId: number;
  /** The snapshot of the pull recorded before (null: OMFLOW never pulled). */
  previousSnapshotId: number | null;
  clientId: string;
  at: Date;
}

export type SnapshotEventHandler<E> = (event: E) => Promise<void>;

/**
 * What happens to snapshots that other libraries react to (e.g. stored passwords follow a
 * rename, a held run is notified). A subscriber is a provider of its own library that registers
 * here when its module starts; it runs after the change committed, and its failure is logged,
 * never undoes it nor fails the run.
 */
@Injectable()
export class SnapshotEvents {
  private readonly logger = new Logger(SnapshotEvents.name);
  private readonly renameHandlers: SnapshotEventHandler<RenamesPublished>[] = [];
  private readonly runEndedHandlers: SnapshotEventHandler<SyncRun>[] = [];
  private readonly removalsDueHandlers: SnapshotEventHandler<RemovalsDue>[] = [];
  private readonly pulledHandlers: SnapshotEventHandler<SnapshotPulled>[] = [];

  onRenamesPublished(handler: SnapshotEventHandler<RenamesPublished>): void {
    this.renameHandlers.push(handler);
  }

  /** A run's outcome was recorded (held, failed, published, unchanged, dry-run...): the run as stored. */
  onRunEnded(handler: SnapshotEventHandler<SyncRun>): void {
    this.runEndedHandlers.push(handler);
  }

  onRemovalsDue(handler: SnapshotEventHandler<RemovalsDue>): void {
    this.removalsDueHandlers.push(handler);
  }

  /** OMFLOW's first pull of a snapshot (e.g. the read-back of OMFLOW waits for it). */
  onSnapshotPulled(handler: SnapshotEventHandler<SnapshotPulled>): void {
    this.pulledHandlers.push(handler);
  }

  async snapshotPulled(event: SnapshotPulled): Promise<void> {
    await this.notify(this.pulledHandlers, event, `A pull subscriber failed for snapshot ${event.snapshotId}`);
  }

  async renamesPublished(event: RenamesPublished): Promise<void> {
    await this.notify(this.renameHandlers, event, `A rename subscriber failed for snapshot ${event.snapshotId}`);
  }

  async runEnded(run: SyncRun): Promise<void> {
    await this.notify(this.runEndedHandlers, run, `A run subscriber failed for sync run ${run.id}`);
  }

  async removalsDue(event: RemovalsDue): Promise<void> {
    await this.notify(this.removalsDueHandlers, event, `A removals-due subscriber failed (${event.count} people)`);
  }

  private async notify<E>(handlers: readonly SnapshotEventHandler<E>[], event: E, failure: string): Promise<void> {
    for (const handler of handlers) {
      await handler(event).catch((error: unknown) => this.logger.error({ err: error }, failure));
    }
  }
}
