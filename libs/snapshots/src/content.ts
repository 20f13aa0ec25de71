import { createHash } from 'node:crypto';
import type { GroupRecord, UserRecord } from '#app/hr-source';
import { USER_FIELDS } from '#app/omflow-contract';
import { TimeSlice } from './time-slice.js';

/** A snapshot's content in memory: users by stable key, departments by code. */
export interface Content {
  users: Map<string, UserRecord>;
  groups: Map<string, GroupRecord>;
}

export function emptyContent(): Content {
  return { users: new Map(), groups: new Map() };
}

/** A stored row's identity: its stable number (person or department id) and the hash of its values. */
export interface Identity {
  id: number;
  hash: string;
}

/** A record as a snapshot holds it: its values, stable number and hash. */
export interface Versioned<R> extends Identity {
  record: R;
}

/** A snapshot's content with the stable numbers and stored hashes of its people and departments. */
export interface LoadedContent {
  users: Map<string, Versioned<UserRecord>>;
  groups: Map<string, Versioned<GroupRecord>>;
}

/** Hashes of a content's users (by key) and departments (by code). */
export interface ContentHashes {
  users: ReadonlyMap<string, string>;
  groups: ReadonlyMap<string, string>;
}

/** A digest of everything OMFLOW sees of a user (and its source id), to detect change cheaply. */
export function userHash(user: UserRecord): string {
  const h = createHash('sha1');
  for (const field of USER_FIELDS) h.update(`${user[field] ?? '\u0001'}\u0000`);
  h.update(user.groups.join('\u0002'));
  h.update(`\u0000${user.sourceId}`);
  return h.digest('base64url');
}

export function groupHash(group: GroupRecord): string {
  return createHash('sha1')
    .update(`${group.group_no}\u0000${group.display_name}\u0000${group.parent_group_no ?? '\u0001'}`)
    .digest('base64url');
}

/** The hashes of a content (asynchronous only to let the event loop run between slices). */
export async function hashesOf(content: Content, slice = new TimeSlice()): Promise<ContentHashes> {
  const users = new Map<string, string>();
  for (const user of content.users.values()) {
    if (slice.due()) await slice.pause();
    users.set(user.key, userHash(user));
  }
  const groups = new Map<string, string>();
  for (const group of content.groups.values()) groups.set(group.group_no, groupHash(group));
  return { users, groups };
}

/** `content` with the stable numbers `idOf` gives and its hashes. */
export function versionedContent(content: Content, hashes: ContentHashes, idOf: { user(key: string): number; group(code: string): number }): LoadedContent {
  const users = new Map<string, Versioned<UserRecord>>();
  for (const [key, record] of content.users) users.set(key, { record, id: idOf.user(key), hash: hashes.users.get(key)! });
  const groups = new Map<string, Versioned<GroupRecord>>();
  for (const [code, record] of content.groups) groups.set(code, { record, id: idOf.group(code), hash: hashes.groups.get(code)! });
  return { users, groups };
}

/** The records alone (for the checks and the diff). */
export function recordsOf(loaded: LoadedContent): Content {
  const users = new Map<string, UserRecord>();
  for (const [key, v] of loaded.users) users.set(key, v.record);
  const groups = new Map<string, GroupRecord>();
  for (const [code, v] of loaded.groups) groups.set(code, v.record);
  return { users, groups };
}

/** People and departments in stable-number order (the order of `/sync` and of the published view). */
export function inStableOrder<R>(versions: ReadonlyMap<string, Versioned<R>>): R[] {
  return [...versions.values()].sort((a, b) => a.id - b.id).map((v) => v.record);
}
