import { Inject, Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { BRIDGE_CONFIG, type BridgeConfig } from '#app/config';
import { TransactionRunner, toSqlDateTime } from '#app/database';
import type { Identities, PublishedIndex } from './content.js';
import { crashPoint } from './crash-point.js';
import { PendingRemovals } from './pending-removal.repository.js';
import { PublishedPayload } from './published-payload.service.js';
import { PublishedView, type PublishedState, type ViewChange } from './published-view.repository.js';
import { SnapshotEvents } from './snapshot-events.js';
import { preparePayload, syncAnswerOf } from './sync-payload.js';
import { TimeSlice } from './time-slice.js';
import { VersionChain, type WrittenSnapshot } from './version-chain.repository.js';

/** A kept snapshot to publish: its number and content; `fresh` when it was just written. */
export type Publishable = Pick<WrittenSnapshot, 'snapshotId' | 'content'> & Partial<Pick<WrittenSnapshot, 'fresh'>>;

/** What is published now. */
export interface Published {
  state: PublishedState;
  /** Its people (slim: identity, username, email) and departments; null before the first publish. */
  content: PublishedIndex | null;
}

/** What the published view must change to go from `published` to `next` (asynchronous only to let the event loop run between slices). */
export async function viewChange(next: Publishable, published: Identities | null, slice = new TimeSlice()): Promise<ViewChange> {
  const personIds: number[] = [];
  const memberships = new Map<number, readonly string[]>();
  for (const [key, user] of next.content.users) {
    if (slice.due()) await slice.pause();
    const before = published?.users.get(key);
    if (before && before.hash === user.hash && before.id === user.id) continue;
    personIds.push(user.id);
    memberships.set(user.id, user.record.groups);
  }
  const departmentIds: number[] = [];
  for (const [code, group] of next.content.groups) if (published?.groups.get(code)?.hash !== group.hash) departmentIds.push(group.id);
  const removedPersonIds: number[] = [];
  const removedDepartmentIds: number[] = [];
  if (published) {
    for (const [key, user] of published.users) {
      if (slice.due()) await slice.pause();
      if (!next.content.users.has(key)) removedPersonIds.push(user.id);
    }
    for (const [code, group] of published.groups) if (!next.content.groups.has(code)) removedDepartmentIds.push(group.id);
  }
  return { personIds, removedPersonIds, departmentIds, removedDepartmentIds, memberships, fresh: next.fresh };
}

/**
 * The one way a snapshot becomes what OMFLOW is served, for a run, an approval and a republish
 * alike: renders and compresses its `/sync` answer, brings the published view to it by the
 * difference from what was published, and moves the pointer, in one transaction with what the
 * caller must commit with it (the run's outcome, its audit events); the pending removals of
 * people it no longer lists end with it. Then this instance serves it
 * at once and the subscribers hear of its renames. Must run under the sync lock.
 */
@Injectable()
export class SnapshotPublisher {
  private readonly logger = new Logger(SnapshotPublisher.name);

  constructor(
    private readonly chain: VersionChain,
    private readonly view: PublishedView,
    private readonly tx: TransactionRunner,
    private readonly served: PublishedPayload,
    private readonly events: SnapshotEvents,
    private readonly removals: PendingRemovals,
    @Inject(BRIDGE_CONFIG) private readonly config: BridgeConfig,
  ) {}

  /** What is published now, with its people's identities, usernames and emails and its departments. */
  async published(): Promise<Published> {
    const state = await this.view.state();
    return { state, content: state.snapshotId === null ? null : await this.chain.index(state.snapshotId) };
  }

  /**
   * Publishes `next` in place of `published` (what `published()` answered, under the same lock).
   * `within` records what must commit with the publish; it runs last in the transaction (on
   * MySQL the audit chain head stays locked until the commit).
   */
  async publish(next: Publishable, published: PublishedIndex | null, within: (m: EntityManager) => Promise<void>): Promise<void> {
    const payload = await preparePayload(syncAnswerOf(next.content));
    const change = await viewChange(next, published);
    const begun = performance.now();
    await this.tx.transaction(async (m) => {
      const at = toSqlDateTime();
      await this.view.publish(m, next.snapshotId, change, payload, at);
      await this.chain.markPublished(m, next.snapshotId, at);
      // A pending removal ends with its person leaving what is published (a due run, an approval, an expedite, a rollback).
      await this.removals.settle(m, next.content.users);
      await within(m);
    });
    const transaction = performance.now() - begun;
    crashPoint(this.config, 'after-publish');
    this.served.invalidate();
    const renames: { key: string; from: string; to: string }[] = [];
    for (const [key, user] of next.content.users) {
      const before = published?.users.get(key);
      if (before && before.username !== user.record.username) renames.push({ key, from: before.username, to: user.record.username });
    }
    if (renames.length) await this.events.renamesPublished({ snapshotId: next.snapshotId, renames });
    this.logger.log(
      `Published snapshot ${next.snapshotId}: ${next.content.users.size} users, ${next.content.groups.size} departments, ${payload.bytes} bytes (transaction ${Math.round(transaction)} ms)`,
    );
  }

  /** Drops the snapshots beyond SNAPSHOT_RETENTION (never the published one) and what only they needed. */
  async applyRetention(): Promise<number> {
    return this.tx.transaction(async (m) => {
      const dropped = await this.chain.applyRetention(m, this.config.sync.retention, await this.view.publishedId(m));
      if (dropped) await this.view.dropUnpublishedPayloads(m);
      return dropped;
    });
  }
}
