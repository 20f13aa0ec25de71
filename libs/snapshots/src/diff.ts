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

/** Users keyed by stable key, departments by code (asynchronous only to let the event loop run between slices). */
export async function diffContents(
  before: { users: ReadonlyMap<string, UserRecord>; groups: ReadonlyMap<string, GroupRecord> },
  after: { users: ReadonlyMap<string, UserRecord>; groups: ReadonlyMap<string, GroupRecord> },
  slice = new TimeSlice(),
): Promise<Diff> {
  const diff: Diff = { users: { added: [], removed: [], changed: [] }, groups: { added: [], removed: [], changed: [] }, renames: [], moves: [] };
  for (const [key, next] of after.users) {
    if (slice.due()) await slice.pause();
    const prev = before.users.get(key);
    if (!prev) {
      diff.users.added.push(next);
      continue;
    }
    const fields = userFields(prev, next);
    if (!fields.length) continue;
    diff.users.changed.push({ key, before: prev, after: next, fields });
    if (prev.username !== next.username) diff.renames.push({ key, from: prev.username, to: next.username });
    if ((prev.groups[0] ?? null) !== (next.groups[0] ?? null))
      diff.moves.push({ key, username: next.username, from: prev.groups[0] ?? null, to: next.groups[0] ?? null });
  }
  for (const [key, prev] of before.users) {
    if (slice.due()) await slice.pause();
    if (!after.users.has(key)) diff.users.removed.push(prev);
  }
  for (const [code, next] of after.groups) {
    const prev = before.groups.get(code);
    if (!prev) diff.groups.added.push(next);
    else {
      const fields = groupFields(prev, next);
      if (fields.length) diff.groups.changed.push({ key: code, before: prev, after: next, fields });
    }
  }
  for (const [code, prev] of before.groups) if (!after.groups.has(code)) diff.groups.removed.push(prev);
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
