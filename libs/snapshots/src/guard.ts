import type { DiffSummary } from './diff.js';

/** A limit: at most `max` items and at most `percent` % of the published ones (min of the two). */
export interface Limit {
  max: number;
  percent: number;
}

export interface GuardPolicy {
  userRemovals: Limit;
  groupRemovals: Limit;
  moves: Limit;
  /** Hold renames (same person, new username) for a decision. */
  holdRenames: boolean;
}

export interface HoldReason {
  kind: 'user-removals' | 'group-removals' | 'moves' | 'renames';
  message: string;
  count: number;
  limit?: number;
}

/** min(max, percent% of base), at least 1 so that a tiny organisation can still lose one person. */
export function limitOf(limit: Limit, base: number): number {
  return Math.max(1, Math.min(limit.max, Math.floor((base * limit.percent) / 100)));
}

/**
 * Why a run must wait for an operator instead of publishing. OMFLOW deletes whatever `/sync`
 * no longer lists and has no "disabled" state, so every upstream mistake becomes a deletion.
 * With nothing published yet there is nothing to protect, and no reason to hold.
 */
export function evaluateGuard(summary: DiffSummary, published: { users: number; groups: number } | null, policy: GuardPolicy): HoldReason[] {
  if (!published) return [];
  const reasons: HoldReason[] = [];
  const check = (kind: HoldReason['kind'], count: number, limit: Limit, base: number, what: string): void => {
    const allowed = limitOf(limit, base);
    if (count > allowed) {
      reasons.push({
        kind,
        count,
        limit: allowed,
        message: `${count} ${what} exceed the limit of ${allowed} (min(${limit.max}, ${limit.percent}% of ${base}))`,
      });
    }
  };
  check('user-removals', summary.users.removed, policy.userRemovals, published.users, 'user removals');
  check('group-removals', summary.groups.removed, policy.groupRemovals, published.groups, 'department removals');
  check('moves', summary.moves, policy.moves, published.users, 'moves between departments');
  if (policy.holdRenames && summary.renames > 0) {
    reasons.push({
      kind: 'renames',
      count: summary.renames,
      message: `${summary.renames} person(s) kept their directory id under a new username; decide: keep the old username or accept the rename`,
    });
  }
  return reasons;
}
