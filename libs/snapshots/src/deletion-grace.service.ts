import { Inject, Injectable } from '@nestjs/common';
import { AuditService, type AuditEventInput } from '#app/audit';
import { Clock } from '#app/common';
import { BRIDGE_CONFIG, type BridgeConfig } from '#app/config';
import { TransactionRunner } from '#app/database';
import type { UserRecord } from '#app/hr-source';
import { carryPublished, type Content, type PublishedIndex } from './content.js';
import { graceMsOf, planGrace, type GracePlan, type PendingRemoval } from './deletion-grace.js';
import { PendingRemovals } from './pending-removal.repository.js';
import { SnapshotEvents } from './snapshot-events.js';
import type { GraceCounts, RunGraceSample, SyncRun } from './sync-run.entity.js';

/** People listed per kind in a run's diff (`diff.grace`); the counts are always complete. */
const MAX_SAMPLE = 200;

/** What the window decided for one run: the plan, the run's counts and its diff's sample. */
export interface GraceOutcome {
  plan: GracePlan;
  counts: GraceCounts;
  sample: RunGraceSample;
}

const NOTHING: GraceOutcome = {
  plan: { carry: [], entered: [], reappeared: [], due: [], newlyDue: [], stale: [], keptByCancel: 0 },
  counts: { pendingRemovals: 0, enteredGrace: 0, removalsCancelled: 0, removedAfterGrace: 0, removalsKeptByCancel: 0 },
  sample: { entered: [], reappeared: [], due: [] },
};

/**
 * A sync run's side of the deletion grace window (GUARD_DELETION_GRACE_HOURS). `carry()` decides,
 * from the pending removals and what the run read, who stays in the candidate with their
 * published record (before its hashes, diff and guard: people in their window are no removal);
 * `apply()` records the decisions of a run that is not a dry run (new windows, removals cancelled
 * by a reappearance, windows passed), audited, and says which removals became due.
 */
@Injectable()
export class DeletionGrace {
  constructor(
    private readonly removals: PendingRemovals,
    private readonly tx: TransactionRunner,
    private readonly audit: AuditService,
    private readonly events: SnapshotEvents,
    @Inject(BRIDGE_CONFIG) private readonly config: BridgeConfig,
    private readonly clock: Clock,
  ) {}

  /**
   * Puts into `content` (the checked candidate) the published people the directory no longer
   * lists and whose removal is not due. `load` reads whole published records by key.
   */
  async carry(
    runId: number,
    published: PublishedIndex | null,
    content: Content,
    load: (keys: string[]) => Promise<ReadonlyMap<string, UserRecord>>,
  ): Promise<GraceOutcome> {
    if (!published) return NOTHING;
    const plan = planGrace({
      published: published.users,
      present: content.users,
      rows: await this.removals.all(),
      now: this.clock.date(),
      graceMs: graceMsOf(this.config.sync.deletionGraceHours),
      runId,
    });
    if (plan.carry.length) {
      const records = await load(plan.carry);
      const missing = plan.carry.filter((key) => !records.has(key));
      if (missing.length) throw new Error(`The published records of ${missing.slice(0, 5).join(', ')} could not be read`);
      carryPublished(content, records);
    }
    const cut = <T, R>(items: readonly T[], map: (item: T) => R): R[] => items.slice(0, MAX_SAMPLE).map(map);
    return {
      plan,
      counts: {
        pendingRemovals: plan.carry.length - plan.keptByCancel,
        enteredGrace: plan.entered.length,
        removalsCancelled: plan.reappeared.length,
        removedAfterGrace: plan.due.length,
        removalsKeptByCancel: plan.keptByCancel,
      },
      sample: {
        entered: cut(plan.entered, (r) => ({ key: r.key, username: r.username, dueAt: r.dueAt.toISOString() })),
        reappeared: cut(plan.reappeared, (r) => ({ key: r.key, username: r.username })),
        due: cut(plan.due, (r) => ({ key: r.key, username: r.username, missingSince: r.missingSince.toISOString() })),
      },
    };
  }

  /** Records a run's decisions (not for dry runs), with their audit events; then announces the removals that became due. */
  async apply(run: SyncRun, { plan }: GraceOutcome): Promise<void> {
    const deleted = [...plan.reappeared, ...plan.stale];
    if (!plan.entered.length && !deleted.length && !plan.newlyDue.length) return;
    const actor = run.trigger === 'schedule' ? { actor: { kind: 'scheduler' as const, id: null } } : {};
    const event = (action: string, row: PendingRemoval, details: Record<string, unknown>): AuditEventInput => ({
      action,
      outcome: 'success',
      ...actor,
      target: { type: 'omflow_user', id: row.username },
      details: { key: row.key, runId: run.id, ...details },
    });
    await this.tx.transaction(async (m) => {
      await this.removals.insert(m, plan.entered);
      await this.removals.delete(
        m,
        deleted.map((r) => r.personId),
      );
      await this.removals.markDue(
        m,
        plan.newlyDue.map((r) => r.personId),
      );
      await this.audit.recordWithin(m, [
        ...plan.entered.map((r) => event('sync.removal.pending', r, { missingSince: r.missingSince.toISOString(), dueAt: r.dueAt.toISOString() })),
        ...plan.reappeared.map((r) => event('sync.removal.cancelled', r, { reason: 'reappeared', status: r.status })),
        ...plan.newlyDue.map((r) => event('sync.removal.due', r, { missingSince: r.missingSince.toISOString(), dueAt: r.dueAt.toISOString() })),
      ]);
    });
    if (plan.newlyDue.length) {
      await this.events.removalsDue({
        runId: run.id,
        count: plan.newlyDue.length,
        people: plan.newlyDue.map((r) => ({ key: r.key, username: r.username, missingSince: r.missingSince, dueAt: r.dueAt })),
      });
    }
  }
}
