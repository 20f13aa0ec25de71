/**
 * The deletion grace window (GUARD_DELETION_GRACE_HOURS): a published person missing from the
 * directory is not removed from `/sync` until the window has passed; reappearing within it
 * cancels the removal. Pure decisions here; the run applies them (sync.service.ts), the table
 * keeps them (pending-removal.repository.ts).
 */

/** `pending`: in the window; `due`: the window has passed (the next publish drops them); `cancelled`: kept published by an operator. */
export type RemovalStatus = 'pending' | 'due' | 'cancelled';
export const REMOVAL_STATUSES: readonly RemovalStatus[] = ['pending', 'due', 'cancelled'];

/** A removal waiting out its window (or cancelled), as stored. */
export interface PendingRemoval {
  /** The person's stable number (`person.id`). */
  personId: number;
  key: string;
  username: string;
  status: RemovalStatus;
  missingSince: Date;
  dueAt: Date;
  /** The run that found them missing. */
  runId: number | null;
  /** Who cancelled it, when and why (cancelled rows). */
  decidedBy: string | null;
  decidedAt: Date | null;
  note: string | null;
}

/** What the plan needs of a published person. */
export interface GracePublished {
  id: number;
  username: string;
}

export interface GracePlan {
  /** Published people absent from the directory who stay in the candidate with their published record (in the window, or cancelled). */
  carry: string[];
  /** People found missing for the first time: their new rows. */
  entered: PendingRemoval[];
  /** Rows whose person is back in the directory: their removal is cancelled (rows deleted). */
  reappeared: PendingRemoval[];
  /** Rows whose window has passed: their person leaves the candidate (a removal the guard counts as usual). */
  due: PendingRemoval[];
  /** Of `due`, those a run finds due for the first time (status `pending` until now): notified and audited once. */
  newlyDue: PendingRemoval[];
  /** Rows of people who are not published (anymore): nothing to remove, deleted. */
  stale: PendingRemoval[];
  /** People kept published by a cancelled removal (in `carry`). */
  keptByCancel: number;
}

/**
 * Decides, for a run, what happens to the published people the directory no longer lists.
 * `present` holds the keys the run's candidate already has (read from the directory, or kept as
 * published by the quality checks: those are not missing). `graceMs` 0 removes at once: no new
 * rows, and every pending row is due; a cancelled removal stays cancelled whatever the window.
 */
export function planGrace(input: {
  published: ReadonlyMap<string, GracePublished>;
  present: { has(key: string): boolean };
  rows: readonly PendingRemoval[];
  now: Date;
  graceMs: number;
  runId: number | null;
}): GracePlan {
  const plan: GracePlan = { carry: [], entered: [], reappeared: [], due: [], newlyDue: [], stale: [], keptByCancel: 0 };
  const byKey = new Map(input.rows.map((row) => [row.key, row]));
  for (const row of input.rows) {
    if (!input.published.has(row.key)) plan.stale.push(row);
    else if (input.present.has(row.key)) plan.reappeared.push(row);
  }
  for (const [key, person] of input.published) {
    if (input.present.has(key)) continue;
    const row = byKey.get(key);
    if (row?.status === 'cancelled') {
      plan.carry.push(key);
      plan.keptByCancel++;
    } else if (row) {
      if (input.graceMs > 0 && row.dueAt.getTime() > input.now.getTime()) plan.carry.push(key);
      else {
        plan.due.push(row);
        if (row.status === 'pending') plan.newlyDue.push(row);
      }
    } else if (input.graceMs > 0) {
      plan.carry.push(key);
      plan.entered.push({
        personId: person.id,
        key,
        username: person.username,
        status: 'pending',
        missingSince: input.now,
        dueAt: new Date(input.now.getTime() + input.graceMs),
        runId: input.runId,
        decidedBy: null,
        decidedAt: null,
        note: null,
      });
    }
  }
  return plan;
}

/** A removal's status as the admin API shows it: a pending row whose due time has passed is `due` already (the next run drops them). */
export function shownStatus(row: Pick<PendingRemoval, 'status' | 'dueAt'>, now: Date): RemovalStatus {
  return row.status === 'pending' && row.dueAt.getTime() <= now.getTime() ? 'due' : row.status;
}

/** GUARD_DELETION_GRACE_HOURS in milliseconds. */
export function graceMsOf(hours: number): number {
  return Math.round(hours * 3_600_000);
}
