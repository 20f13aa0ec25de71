import type { GroupRecord, UserRecord } from '#app/hr-source';
import { GROUP_FIELDS, USER_FIELDS } from '#app/omflow-contract';
import { groupRecords, type Content, type ContentHashes, type PublishedIndex } from './content.js';
import { TimeSlice } from './time-slice.js';

export interface FieldChange {
  field: string;
  before: unknown;
  after: unknown;
}

export interface Change<T> {
  key: string;
  before: T;
  after: T;
  fields: FieldChange[];
}

export interface Diff {
  users: { added: UserRecord[]; removed: UserRecord[]; changed: Change<UserRecord>[] };
  groups: { added: GroupRecord[]; removed: GroupRecord[]; changed: Change<GroupRecord>[] };
  /** Same person (stable key), new username: OMFLOW would delete the old account. */
  renames: { key: string; from: string; to: string }[];
  /** People whose default (primary) department changed. */
  moves: { key: string; username: string; from: string | null; to: string | null }[];
}

export interface DiffSummary {
  users: { added: number; removed: number; changed: number };
  groups: { added: number; removed: number; changed: number };
  renames: number;
  moves: number;
}

function userFields(before: UserRecord, after: UserRecord): FieldChange[] {
  const out: FieldChange[] = [];
  for (const field of USER_FIELDS) if (before[field] !== after[field]) out.push({ field, before: before[field], after: after[field] });
  if (before.groups.join('\u0000') !== after.groups.join('\u0000')) out.push({ field: 'groups', before: before.groups, after: after.groups });
  return out;
}

function groupFields(before: GroupRecord, after: GroupRecord): FieldChange[] {
  return GROUP_FIELDS.filter((f) => before[f] !== after[f]).map((field) => ({ field, before: before[field], after: after[field] }));
}

/** How one person differs between two snapshots (nothing: the same, or only their source id changed). */
export interface UserDifference {
  added?: UserRecord;
  removed?: UserRecord;
  changed?: Change<UserRecord>;
  rename?: Diff['renames'][number];
  move?: Diff['moves'][number];
}

/** The differences of one person (`prev` in the older snapshot, `next` in the newer; either may be absent). */
export function userDifference(key: string, prev: UserRecord | undefined, next: UserRecord | undefined): UserDifference {
  if (!prev) return next ? { added: next } : {};
  if (!next) return { removed: prev };
  const fields = userFields(prev, next);
  if (!fields.length) return {};
  const out: UserDifference = { changed: { key, before: prev, after: next, fields } };
  if (prev.username !== next.username) out.rename = { key, from: prev.username, to: next.username };
  if ((prev.groups[0] ?? null) !== (next.groups[0] ?? null)) out.move = { key, username: next.username, from: prev.groups[0] ?? null, to: next.groups[0] ?? null };
  return out;
}

/** Departments added, removed and changed (added and changed in the order of `after`, removed in that of `before`). */
export function diffGroups(before: ReadonlyMap<string, GroupRecord>, after: ReadonlyMap<string, GroupRecord>): Diff['groups'] {
  const groups: Diff['groups'] = { added: [], removed: [], changed: [] };
  for (const [code, next] of after) {
    const prev = before.get(code);
    if (!prev) groups.added.push(next);
    else {
      const fields = groupFields(prev, next);
      if (fields.length) groups.changed.push({ key: code, before: prev, after: next, fields });
    }
  }
  for (const [code, prev] of before) if (!after.has(code)) groups.removed.push(prev);
  return groups;
}

export function emptyDiff(): Diff {
  return { users: { added: [], removed: [], changed: [] }, groups: { added: [], removed: [], changed: [] }, renames: [], moves: [] };
}

/** Users keyed by stable key, departments by code (asynchronous only to let the event loop run between slices). */
export async function diffContents(
  before: { users: ReadonlyMap<string, UserRecord>; groups: ReadonlyMap<string, GroupRecord> },
  after: { users: ReadonlyMap<string, UserRecord>; groups: ReadonlyMap<string, GroupRecord> },
  slice = new TimeSlice(),
): Promise<Diff> {
  const diff = emptyDiff();
  for (const [key, next] of after.users) {
    if (slice.due()) await slice.pause();
    const d = userDifference(key, before.users.get(key), next);
    if (d.added) diff.users.added.push(d.added);
    if (d.changed) diff.users.changed.push(d.changed);
    if (d.rename) diff.renames.push(d.rename);
    if (d.move) diff.moves.push(d.move);
  }
  for (const [key, prev] of before.users) {
    if (slice.due()) await slice.pause();
    if (!after.users.has(key)) diff.users.removed.push(prev);
  }
  diff.groups = diffGroups(before.groups, after.groups);
  return diff;
}

/**
 * `diffContents` of the published snapshot and a run's content, reading whole published records
 * only where they can differ: a person whose hash is the published one is unchanged, so only the
 * people whose hash differs and those who went are read (`load`, by stable number, answering
 * records by key in the order of the numbers given). The answer is `diffContents`' on the whole
 * published content.
 */
export async function diffWithPublished(
  published: PublishedIndex | null,
  content: Content,
  hashes: ContentHashes,
  load: (ids: number[]) => Promise<ReadonlyMap<string, UserRecord>>,
  slice = new TimeSlice(),
): Promise<Diff> {
  const after = new Map<string, UserRecord>();
  const ids: number[] = [];
  for (const [key, user] of content.users) {
    if (slice.due()) await slice.pause();
    const before = published?.users.get(key);
    if (before?.hash === hashes.users.get(key)) continue;
    after.set(key, user);
    if (before) ids.push(before.id);
  }
  for (const [key, before] of published?.users ?? []) {
    if (slice.due()) await slice.pause();
    if (!content.users.has(key)) ids.push(before.id);
  }
  // Stable-number order, the order of the published content: removals are listed in it.
  ids.sort((a, b) => a - b);
  const users = ids.length ? await load(ids) : new Map<string, UserRecord>();
  return diffContents({ users, groups: groupRecords(published?.groups) }, { users: after, groups: content.groups }, slice);
}

export function summarise(diff: Diff): DiffSummary {
  return {
    users: { added: diff.users.added.length, removed: diff.users.removed.length, changed: diff.users.changed.length },
    groups: { added: diff.groups.added.length, removed: diff.groups.removed.length, changed: diff.groups.changed.length },
    renames: diff.renames.length,
    moves: diff.moves.length,
  };
}

/** The kinds of change a diff lists, each its own list (and page). */
export const DIFF_KINDS = ['users.added', 'users.removed', 'users.changed', 'groups.added', 'groups.removed', 'groups.changed', 'renames', 'moves'] as const;
export type DiffKind = (typeof DIFF_KINDS)[number];

export function emptySummary(): DiffSummary {
  return { users: { added: 0, removed: 0, changed: 0 }, groups: { added: 0, removed: 0, changed: 0 }, renames: 0, moves: 0 };
}

/** What a page of a diff asks for: which kinds, the slice of each (`offset`, `limit`), and a search. */
export interface DiffPageRequest {
  kinds: readonly DiffKind[];
  offset: number;
  limit: number;
  /** Case-insensitive "contains" on a person's username, name (`nick_name`) or email, before or after; on a department's code or name. */
  q?: string | null;
}

/** A page of a diff: the whole diff's counts, the counts matching the search, and each asked kind's slice. */
export interface DiffPage {
  summary: DiffSummary;
  matched: DiffSummary;
  /** For each asked kind, its changes `offset` to `offset + limit` among those matching; the other kinds' lists are empty. */
  diff: Diff;
}

function count(summary: DiffSummary, kind: DiffKind): number {
  switch (kind) {
    case 'users.added':
      return summary.users.added++;
    case 'users.removed':
      return summary.users.removed++;
    case 'users.changed':
      return summary.users.changed++;
    case 'groups.added':
      return summary.groups.added++;
    case 'groups.removed':
      return summary.groups.removed++;
    case 'groups.changed':
      return summary.groups.changed++;
    case 'renames':
      return summary.renames++;
    case 'moves':
      return summary.moves++;
  }
}

function listOf(diff: Diff, kind: DiffKind): unknown[] {
  switch (kind) {
    case 'users.added':
      return diff.users.added;
    case 'users.removed':
      return diff.users.removed;
    case 'users.changed':
      return diff.users.changed;
    case 'groups.added':
      return diff.groups.added;
    case 'groups.removed':
      return diff.groups.removed;
    case 'groups.changed':
      return diff.groups.changed;
    case 'renames':
      return diff.renames;
    case 'moves':
      return diff.moves;
  }
}

const contains = (value: string | null | undefined, needle: string): boolean => !!value && value.toLowerCase().includes(needle);

/**
 * Builds one page of a diff from the changes fed to it one at a time, in their order (people in
 * stable-number order, then departments): it counts every change (the summary) and those matching
 * the search, and keeps only the asked slice of each asked kind. What it holds is the page, never
 * the whole diff, so a page of a 100,000-person diff costs the memory of the page.
 */
export class DiffPager {
  private readonly page: DiffPage = { summary: emptySummary(), matched: emptySummary(), diff: emptyDiff() };
  private readonly kinds: ReadonlySet<DiffKind>;
  private readonly needle: string | null;

  constructor(private readonly request: DiffPageRequest) {
    this.kinds = new Set(request.kinds);
    this.needle = request.q ? request.q.toLowerCase() : null;
  }

  private personMatches(...users: (UserRecord | undefined)[]): boolean {
    const q = this.needle;
    if (q === null) return true;
    return users.some((u) => !!u && (contains(u.username, q) || contains(u.nick_name, q) || contains(u.email, q)));
  }

  private groupMatches(group: GroupRecord): boolean {
    const q = this.needle;
    return q === null || contains(group.group_no, q) || contains(group.display_name, q);
  }

  private add(kind: DiffKind, matches: boolean, item: () => unknown): void {
    count(this.page.summary, kind);
    if (!matches) return;
    const at = count(this.page.matched, kind);
    if (this.kinds.has(kind) && at >= this.request.offset && at < this.request.offset + this.request.limit) listOf(this.page.diff, kind).push(item());
  }

  /** One person, as in `userDifference` (call in stable-number order: the order of every list). */
  user(key: string, prev: UserRecord | undefined, next: UserRecord | undefined): void {
    const d = userDifference(key, prev, next);
    if (d.added) this.add('users.added', this.personMatches(d.added), () => d.added);
    if (d.removed) this.add('users.removed', this.personMatches(d.removed), () => d.removed);
    if (d.changed) {
      const matches = this.personMatches(prev, next);
      this.add('users.changed', matches, () => d.changed);
      if (d.rename) this.add('renames', matches, () => d.rename);
      if (d.move) this.add('moves', matches, () => d.move);
    }
  }

  /** The departments of both sides (a few thousand: held whole). */
  groups(before: ReadonlyMap<string, GroupRecord>, after: ReadonlyMap<string, GroupRecord>): void {
    const groups = diffGroups(before, after);
    for (const g of groups.added) this.add('groups.added', this.groupMatches(g), () => g);
    for (const g of groups.removed) this.add('groups.removed', this.groupMatches(g), () => g);
    for (const c of groups.changed) this.add('groups.changed', this.groupMatches(c.before) || this.groupMatches(c.after), () => c);
  }

  result(): DiffPage {
    return this.page;
  }
}
