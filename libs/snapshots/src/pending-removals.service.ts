import { Injectable } from '@nestjs/common';
import { AuditService } from '#app/audit';
import { AppError, Clock, ErrorCode } from '#app/common';
import { TransactionRunner } from '#app/database';
import { recordsOf } from './content.js';
import { shownStatus, type PendingRemoval, type RemovalStatus } from './deletion-grace.js';
import { PendingRemovals } from './pending-removal.repository.js';
import { SnapshotPublisher } from './snapshot-publisher.service.js';
import { SyncRun } from './sync-run.entity.js';
import { SyncService } from './sync.service.js';
import { VersionChain } from './version-chain.repository.js';

/** What an expedite did: the removal, the snapshot now published without the person, and the one before. */
export interface Expedited {
  removal: PendingRemoval;
  snapshotId: number;
  previousSnapshotId: number | null;
}

/**
 * The operators' side of the deletion grace window: the pending removals listed, and the two
 * decisions on one of them, each naming who and why, audited, taken under the sync lock (a run
 * in progress answers 409): expedite (the person leaves `/sync` now) and cancel (the person stays
 * published and may log in, and later runs do not open a new window, until they reappear in the
 * directory or someone expedites).
 */
@Injectable()
export class PendingRemovalDecisions {
  constructor(
    private readonly removals: PendingRemovals,
    private readonly sync: SyncService,
    private readonly chain: VersionChain,
    private readonly publisher: SnapshotPublisher,
    private readonly tx: TransactionRunner,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  /** One page, soonest due first; `status` as shown (a pending removal past its due time is `due`). */
  async list(query: { status?: RemovalStatus; offset: number; limit: number }): Promise<{ items: PendingRemoval[]; total: number; now: Date }> {
    const now = this.clock.date();
    const page = await this.removals.page({ ...query, now });
    return { items: page.items.map((row) => ({ ...row, status: shownStatus(row, now) })), total: page.total, now };
  }

  async cancel(key: string, note: string, actor: string | null): Promise<PendingRemoval> {
    return this.sync.locked(async () => {
      const row = await this.found(key);
      if (row.status === 'cancelled')
        throw new AppError(ErrorCode.Conflict, `The removal of ${key} was already cancelled by ${row.decidedBy ?? 'an operator'}.`);
      const at = this.clock.date();
      await this.tx.transaction(async (m) => {
        await this.removals.cancel(m, row.personId, { by: actor, at, note });
        await this.audit.recordWithin(m, [
          {
            action: 'sync.removal.cancelled',
            outcome: 'success',
            target: { type: 'omflow_user', id: row.username },
            details: {
              key,
              reason: 'operator',
              by: actor,
              note,
              status: shownStatus(row, at),
              missingSince: row.missingSince.toISOString(),
              dueAt: row.dueAt.toISOString(),
            },
          },
        ]);
      });
      return { ...row, status: 'cancelled', decidedBy: actor, decidedAt: at, note };
    });
  }

  /**
   * The person leaves `/sync` now: the published snapshot without them is written and published
   * (held runs, computed against the snapshot it replaces, are superseded, as by any publish of a run).
   */
  async expedite(key: string, note: string, actor: string | null): Promise<Expedited> {
    return this.sync.locked(async () => {
      const row = await this.found(key);
      const { state, content: published } = await this.publisher.published();
      if (state.snapshotId === null || !published?.users.has(key))
        throw new AppError(ErrorCode.Conflict, `${key} is not in the published snapshot: there is nothing to remove.`);
      const content = recordsOf(await this.chain.content(state.snapshotId));
      content.users.delete(key);
      if (!content.users.size)
        throw new AppError(ErrorCode.Conflict, `${row.username} is the last published person; an empty organisation is never published.`);
      const head = await this.chain.head();
      const next = await this.chain.write(head, content, null, `removal of ${row.username} (${key}) expedited by ${actor ?? 'an operator'}`);
      const snapshotId = next.snapshotId;
      await this.publisher.publish(next, published, async (m) => {
        await m.getRepository(SyncRun).update({ status: 'held' }, { status: 'superseded' });
        await this.audit.recordWithin(m, [
          {
            action: 'sync.removal.expedited',
            outcome: 'success',
            target: { type: 'omflow_user', id: row.username },
            details: {
              key,
              by: actor,
              note,
              status: shownStatus(row, this.clock.date()),
              missingSince: row.missingSince.toISOString(),
              dueAt: row.dueAt.toISOString(),
              snapshotId,
            },
          },
          {
            action: 'sync.snapshot.published',
            outcome: 'success',
            target: { type: 'snapshot', id: String(snapshotId) },
            details: { previous: state.snapshotId, expeditedRemoval: key, by: actor },
          },
        ]);
      });
      await this.publisher.applyRetention();
      return { removal: row, snapshotId, previousSnapshotId: state.snapshotId };
    });
  }

  private async found(key: string): Promise<PendingRemoval> {
    const row = await this.removals.byKey(key);
    if (!row) throw new AppError(ErrorCode.NotFound, `No pending removal of ${key}.`);
    return row;
  }
}
