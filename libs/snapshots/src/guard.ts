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
  /** Hold a run leaving a department of at least this many published members with none; 0: off. */
  holdEmptiedDepartments: number;
}

/** A department that a run would leave without any of its published members. */
export interface EmptiedDepartment {
  group_no: string;
  /** Its published name. */
  name: string;
  /** Published members (people whose default department it is). */
  before: number;
}

/** What the guard holds a run for; a decision on a held run accepts or rejects changes by these kinds (decisions.ts). */
export const CHANGE_KINDS = ['user-removals', 'moves', 'renames', 'group-removals', 'emptied-departments'] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

export interface HoldReason {
  kind: ChangeKind;
  message: string;
  count: number;
  limit?: number;
  /** `emptied-departments`: each department, largest first. */
  departments?: EmptiedDepartment[];
}

/**
 * Members per department before and after a run. A member is a person whose default (primary)
 * department it is: one department per person, so that a department keeps its watch when a
 * manager holding a secondary position there stays while all its own people go.
 */
export interface DepartmentMembers {
  /** Published members per department code. */
  before: ReadonlyMap<string, number>;
  /** Members per department code in the pulled organisation. */
  after: ReadonlyMap<string, number>;
  /** Published department names by code. */
  names: ReadonlyMap<string, string>;
}

/** How many people have each department as their default one (`null`: a person without any). */
export function membersPerDepartment(defaults: Iterable<string | null | undefined>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const code of defaults) if (code) counts.set(code, (counts.get(code) ?? 0) + 1);
  return counts;
}

/** The departments with at least `min` published members and none after the run (whether the department stays or goes). */
export function emptiedDepartments(members: DepartmentMembers, min: number): EmptiedDepartment[] {
  if (min <= 0) return [];
  const out: EmptiedDepartment[] = [];
  for (const [code, before] of members.before) {
    if (before >= min && !members.after.get(code)) out.push({ group_no: code, name: members.names.get(code) ?? code, before });
  }
  return out.sort((a, b) => b.before - a.before || a.group_no.localeCompare(b.group_no));
}

/** min(max, percent% of base), at least 1 so that a tiny organisation can still lose one person. */
export function limitOf(limit: Limit, base: number): number {
  return Math.max(1, Math.min(limit.max, Math.floor((base * limit.percent) / 100)));
}

/**
 * Why a run must wait for an operator instead of publishing. OMFLOW deletes whatever `/sync`
 * no longer lists and has no "disabled" state, so every upstream mistake becomes a deletion.
 * With nothing published yet there is nothing to protect, and no reason to hold.
 *
 * An emptied department holds the run whatever the totals: a consistent-looking read that drops
 * one small department (15 of 1,000 people) stays under every count limit, and OMFLOW would
 * delete those people.
 */
export function evaluateGuard(
  summary: DiffSummary,
  published: { users: number; groups: number } | null,
  policy: GuardPolicy,
  members?: DepartmentMembers,
): HoldReason[] {
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
  const emptied = members ? emptiedDepartments(members, policy.holdEmptiedDepartments) : [];
  if (emptied.length) {
    const named = emptied.slice(0, 10).map((d) => `${d.name} (${d.group_no}, ${d.before})`);
    reasons.push({
      kind: 'emptied-departments',
      count: emptied.length,
      limit: policy.holdEmptiedDepartments,
      departments: emptied,
      message: `${emptied.length} department(s) of at least ${policy.holdEmptiedDepartments} people would lose all their members: ${named.join(', ')}${emptied.length > named.length ? ', …' : ''}`,
    });
  }
  return reasons;
}
