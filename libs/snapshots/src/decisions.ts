import { createHash } from 'node:crypto';
import type { GroupRecord, UserRecord } from '#app/hr-source';
import type { Content, PublishedIndex } from './content.js';
import type { Diff } from './diff.js';
import { CHANGE_KINDS, type ChangeKind, type EmptiedDepartment } from './guard.js';

/**
 * Per-change decisions on a held run (issue 15, part 2): pure functions that list a run's
 * decidable changes, resolve a decision into what is accepted and what keeps its published
 * version, build the content to publish, and name the contradictions that make a decision
 * impossible to carry out.
 *
 * Kinds are the guard's hold-reason kinds; keys are those of the run's diff sample:
 * `user-removals` by username, `moves` and `renames` by the person's stable key,
 * `group-removals` and `emptied-departments` by group_no. Every other change of the run
 * (people and departments added, fields changed) is not held and is always published.
 */
export { CHANGE_KINDS, type ChangeKind } from './guard.js';
export type Verdict = 'accept' | 'reject';

/** An override token lives at most this long (minutes). */
export const OVERRIDE_TOKEN_MAX_MINUTES = 60;

export interface ChangeDecision {
  kind: ChangeKind;
  key: string;
  decision: Verdict;
}

/** What an operator decided: change by change, kind by kind, and for the rest `otherwise`. */
export interface DecisionRequest {
  kinds?: Partial<Record<ChangeKind, Verdict>>;
  changes?: readonly ChangeDecision[];
  /** The verdict of a change neither named nor covered by its kind. */
  otherwise: Verdict;
}

/** A held run's decidable changes. */
export interface RunChanges {
  /** Removed people: username → stable key. */
  'user-removals': Map<string, string>;
  /** People changing default department, by key. */
  moves: Map<string, { username: string; from: string | null; to: string | null }>;
  /** People with a new username, by key. */
  renames: Map<string, { from: string; to: string }>;
  /** Removed departments, by group_no. */
  'group-removals': Set<string>;
  /** Emptied departments (the guard's reason), by group_no → the keys of their published members who are removed or moved. */
  'emptied-departments': Map<string, string[]>;
}

export type KindCounts = Record<ChangeKind, { accepted: number; rejected: number }>;

/** A decision resolved against a run's changes. */
export interface Resolution {
  /** Keys of the rejected changes, by kind, sorted. */
  rejected: Record<ChangeKind, string[]>;
  counts: KindCounts;
  /** Contradictions between the decision's own statements. */
  conflicts: string[];
  /** People whose removal is rejected (by key): their published record is kept. */
  keptPeople: Set<string>;
  /** People whose move is rejected (by key): their published departments are kept. */
  keptDepartmentsOf: Set<string>;
  /** People whose rename is rejected (by key): their published username is kept. */
  keptUsernames: Set<string>;
  /** Departments whose removal is rejected: their published record is kept. */
  keptDepartments: Set<string>;
}

/** The decidable changes of a run, from its full diff against the published snapshot and the guard's emptied departments. */
export function changesOf(diff: Diff, published: PublishedIndex, emptied: readonly Pick<EmptiedDepartment, 'group_no'>[]): RunChanges {
  const removedKeys = new Set<string>();
  const removals = new Map<string, string>();
  for (const user of diff.users.removed) {
    removals.set(user.username, user.key);
    removedKeys.add(user.key);
  }
  const moves = new Map(diff.moves.map((m) => [m.key, { username: m.username, from: m.from, to: m.to }]));
  const members = new Map<string, string[]>(emptied.map((d) => [d.group_no, []]));
  if (members.size) {
    for (const [key, user] of published.users) {
      const list = user.department === null ? undefined : members.get(user.department);
      if (list && (removedKeys.has(key) || moves.has(key))) list.push(key);
    }
  }
  return {
    'user-removals': removals,
    moves,
    renames: new Map(diff.renames.map((r) => [r.key, { from: r.from, to: r.to }])),
    'group-removals': new Set(diff.groups.removed.map((g) => g.group_no)),
    'emptied-departments': members,
  };
}

function has(changes: RunChanges, kind: ChangeKind, key: string): boolean {
  return changes[kind].has(key);
}

/** `kind:key` of the named changes that the run does not have. */
export function unknownChanges(changes: RunChanges, request: DecisionRequest): string[] {
  return (request.changes ?? []).filter((c) => !has(changes, c.kind, c.key)).map((c) => `${c.kind}:${c.key}`);
}

/** `kind:key` named more than once with different verdicts. */
export function contradictoryChanges(request: DecisionRequest): string[] {
  const seen = new Map<string, Verdict>();
  const out = new Set<string>();
  for (const c of request.changes ?? []) {
    const id = `${c.kind}:${c.key}`;
    const before = seen.get(id);
    if (before && before !== c.decision) out.add(id);
    seen.set(id, c.decision);
  }
  return [...out];
}

type Level = 'change' | 'kind' | 'otherwise';

/**
 * Resolves `request` against `changes`. A change takes its own verdict if named, else its kind's,
 * else `otherwise`. A person's removal or move inside an emptied department follows, unless the
 * person is named, the department's verdict when the department is named or its kind decided:
 * rejecting an emptied department keeps its people, accepting it lets them go. Naming a person's
 * removal or move as accepted while rejecting their emptied department is a contradiction.
 */
export function resolveDecision(changes: RunChanges, request: DecisionRequest): Resolution {
  const named = new Map<string, Verdict>();
  for (const c of request.changes ?? []) named.set(`${c.kind}\u0000${c.key}`, c.decision);
  const verdictOf = (kind: ChangeKind, key: string): { verdict: Verdict; level: Level } => {
    const own = named.get(`${kind}\u0000${key}`);
    if (own) return { verdict: own, level: 'change' };
    const ofKind = request.kinds?.[kind];
    if (ofKind) return { verdict: ofKind, level: 'kind' };
    return { verdict: request.otherwise, level: 'otherwise' };
  };

  const counts = Object.fromEntries(CHANGE_KINDS.map((k) => [k, { accepted: 0, rejected: 0 }])) as KindCounts;
  const rejected = Object.fromEntries(CHANGE_KINDS.map((k) => [k, [] as string[]])) as Record<ChangeKind, string[]>;
  const count = (kind: ChangeKind, key: string, verdict: Verdict): void => {
    if (verdict === 'accept') counts[kind].accepted++;
    else {
      counts[kind].rejected++;
      rejected[kind].push(key);
    }
  };
  const conflicts: string[] = [];

  // The emptied department of each person concerned, with the department's verdict.
  const departmentOf = new Map<string, { code: string; verdict: Verdict; level: Level }>();
  for (const [code, keys] of changes['emptied-departments']) {
    const v = verdictOf('emptied-departments', code);
    count('emptied-departments', code, v.verdict);
    for (const key of keys) departmentOf.set(key, { code, ...v });
  }
  const personal = (kind: 'user-removals' | 'moves', changeKey: string, personKey: string, label: string): Verdict => {
    const own = verdictOf(kind, changeKey);
    const department = departmentOf.get(personKey);
    if (own.level === 'change') {
      if (department && department.level !== 'otherwise' && department.verdict === 'reject' && own.verdict === 'accept') {
        conflicts.push(
          `the ${kind === 'user-removals' ? 'removal' : 'move'} of ${label} is accepted, but their emptied department ${department.code} is rejected (its people kept)`,
        );
      }
      return own.verdict;
    }
    // A decided emptied department is more specific than the kind of the person's change.
    return department && department.level !== 'otherwise' ? department.verdict : own.verdict;
  };

  const keptPeople = new Set<string>();
  for (const [username, key] of changes['user-removals']) {
    const verdict = personal('user-removals', username, key, username);
    count('user-removals', username, verdict);
    if (verdict === 'reject') keptPeople.add(key);
  }
  const keptDepartmentsOf = new Set<string>();
  for (const [key, move] of changes.moves) {
    const verdict = personal('moves', key, key, move.username);
    count('moves', key, verdict);
    if (verdict === 'reject') keptDepartmentsOf.add(key);
  }
  const keptUsernames = new Set<string>();
  for (const key of changes.renames.keys()) {
    const { verdict } = verdictOf('renames', key);
    count('renames', key, verdict);
    if (verdict === 'reject') keptUsernames.add(key);
  }
  const keptDepartments = new Set<string>();
  for (const code of changes['group-removals']) {
    const { verdict } = verdictOf('group-removals', code);
    count('group-removals', code, verdict);
    if (verdict === 'reject') keptDepartments.add(code);
  }
  for (const kind of CHANGE_KINDS) rejected[kind].sort();
  return { rejected, counts, conflicts, keptPeople, keptDepartmentsOf, keptUsernames, keptDepartments };
}

/** Whether the resolution rejects anything (then the candidate cannot be published as it is). */
export function rejectsAnything(resolution: Resolution): boolean {
  return CHANGE_KINDS.some((kind) => resolution.counts[kind].rejected > 0);
}

/**
 * The content to publish: the run's candidate with the rejected changes put back to their
 * published version. `publishedUsers` holds (at least) the full published records of the people
 * concerned; `publishedGroups` the published departments.
 */
export function applyDecision(
  candidate: Content,
  publishedUsers: ReadonlyMap<string, UserRecord>,
  publishedGroups: ReadonlyMap<string, GroupRecord>,
  resolution: Resolution,
): Content {
  const users = new Map(candidate.users);
  const groups = new Map(candidate.groups);
  const publishedOf = (key: string): UserRecord => {
    const record = publishedUsers.get(key);
    if (!record) throw new Error(`The published record of ${key} was not loaded`);
    return record;
  };
  for (const key of resolution.keptPeople) users.set(key, publishedOf(key));
  for (const key of resolution.keptDepartmentsOf) {
    const user = users.get(key);
    if (user) users.set(key, { ...user, groups: [...publishedOf(key).groups] });
  }
  for (const key of resolution.keptUsernames) {
    const user = users.get(key);
    if (user) users.set(key, { ...user, username: publishedOf(key).username });
  }
  for (const code of resolution.keptDepartments) {
    const group = publishedGroups.get(code);
    if (group) groups.set(code, group);
  }
  return { users, groups };
}

/**
 * What the content to publish would break: a person in a department that is gone, a department
 * whose parent is gone or that sits in a cycle, a username or email held twice (OMFLOW compares
 * them case-insensitively). The candidate passed these checks; only the published versions put
 * back can break them, so `touched` (the people and departments put back) are the ones named.
 */
export function contentConflicts(content: Content, touched: { users: ReadonlySet<string>; groups: ReadonlySet<string> }): string[] {
  const conflicts: string[] = [];
  for (const key of touched.users) {
    const user = content.users.get(key);
    if (!user) continue;
    for (const code of user.groups) {
      if (!content.groups.has(code)) conflicts.push(`${user.username} keeps their published departments, but the removal of department ${code} is accepted`);
    }
  }
  for (const code of touched.groups) {
    const group = content.groups.get(code);
    if (!group) continue;
    const parent = group.parent_group_no;
    if (parent && !content.groups.has(parent)) conflicts.push(`department ${code} is kept, but the removal of its parent department ${parent} is accepted`);
    else if (parent && inCycle(content.groups, code)) conflicts.push(`department ${code} is kept, but it would sit in a cycle of parent departments`);
  }
  if (touched.users.size) {
    for (const field of ['username', 'email'] as const) {
      const holders = new Map<string, string>();
      for (const [key, user] of content.users) {
        const value = user[field]?.toLowerCase();
        if (!value) continue;
        const other = holders.get(value);
        if (other !== undefined && (touched.users.has(key) || touched.users.has(other))) {
          conflicts.push(
            `${field} "${user[field]}" would be held by two people (${other} and ${key}): a person kept with their published ${field} meets a new holder`,
          );
        }
        holders.set(value, key);
      }
    }
  }
  return conflicts;
}

function inCycle(groups: ReadonlyMap<string, GroupRecord>, start: string): boolean {
  const seen = new Set<string>([start]);
  let parent = groups.get(start)?.parent_group_no ?? null;
  while (parent) {
    if (seen.has(parent)) return true;
    seen.add(parent);
    parent = groups.get(parent)?.parent_group_no ?? null;
  }
  return false;
}

/** A digest of what a decision does (the rejected changes of each kind): two approvals agree when it is the same. */
export function fingerprintOf(resolution: Resolution): string {
  return createHash('sha256')
    .update(JSON.stringify(CHANGE_KINDS.map((kind) => [kind, resolution.rejected[kind]])))
    .digest('hex');
}

/** How two resolutions of the same run differ, per kind, in words. */
export function describeDifference(a: KindCounts, b: KindCounts): string {
  const parts = CHANGE_KINDS.filter((k) => a[k].rejected !== b[k].rejected).map((k) => `${k}: ${a[k].rejected} rejected vs ${b[k].rejected}`);
  return parts.length ? parts.join('; ') : 'the same counts, different changes';
}

/** A bounded list for a message. */
export function listed(items: readonly string[], max = 20): string {
  return items.length > max ? `${items.slice(0, max).join('; ')}; … and ${items.length - max} more` : items.join('; ');
}
