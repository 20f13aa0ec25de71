import { hash } from 'node:crypto';
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

/** The identities of a snapshot's people (by key) and departments (by code). */
export interface Identities {
  users: ReadonlyMap<string, Identity>;
  groups: ReadonlyMap<string, Identity>;
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

/**
 * A published person as a sync run needs it for every person: its identity (stable number and
 * hash, to tell unchanged people at a glance), and the username and email that the checks keep
 * reserved for it. The full record is read only for the few people that need it (changed, gone,
 * carried over by a quarantine).
 */
export interface PublishedUser extends Identity {
  username: string;
  email: string | null;
  /** Their default (primary) department's code: the guard counts each department's people. */
  department: string | null;
}

/**
 * The published snapshot as a sync run holds it: people by key in their slim form, departments
 * (a few thousand) whole. About a quarter of the memory of its full content at 100,000 people.
 */
export interface PublishedIndex {
  users: Map<string, PublishedUser>;
  groups: Map<string, Versioned<GroupRecord>>;
}

/** Hashes of a content's users (by key) and departments (by code). */
export interface ContentHashes {
  users: ReadonlyMap<string, string>;
  groups: ReadonlyMap<string, string>;
}

/**
 * A digest of everything OMFLOW sees of a user (and its source id), to detect change cheaply.
 * One string hashed at once (`crypto.hash`): half the cost of feeding a Hash object field by
 * field, for the same bytes, hence the same digest as the versions stored before.
 */
export function userHash(user: UserRecord): string {
  let text = '';
  for (const field of USER_FIELDS) text += `${user[field] ?? '\u0001'}\u0000`;
  return hash('sha1', `${text}${user.groups.join('\u0002')}\u0000${user.sourceId}`, 'base64url');
}

export function groupHash(group: GroupRecord): string {
  return hash('sha1', `${group.group_no}\u0000${group.display_name}\u0000${group.parent_group_no ?? '\u0001'}`, 'base64url');
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
  return { users, groups: groupRecords(loaded.groups) };
}

/** The department records alone, by code. */
export function groupRecords(groups: ReadonlyMap<string, Versioned<GroupRecord>> | undefined): Map<string, GroupRecord> {
  const records = new Map<string, GroupRecord>();
  for (const [code, v] of groups ?? []) records.set(code, v.record);
  return records;
}

/** People and departments in stable-number order (the order of `/sync` and of the published view). */
export function inStableOrder<R>(versions: ReadonlyMap<string, Versioned<R>>): R[] {
  return [...versions.values()].sort((a, b) => a.id - b.id).map((v) => v.record);
}

/**
 * Puts the published records of people the directory no longer lists into a run's `content`
 * (the deletion grace window: they stay in `/sync` until their removal is due). Memberships of
 * departments the content no longer has are dropped (compared case-insensitively, as the checks
 * do), so that the candidate stays consistent. Answers how many memberships were dropped.
 */
export function carryPublished(content: Content, records: ReadonlyMap<string, UserRecord>): number {
  const known = new Set<string>();
  for (const code of content.groups.keys()) known.add(code.toLowerCase());
  let dropped = 0;
  for (const [key, record] of records) {
    const groups = record.groups.filter((code) => known.has(code.toLowerCase()));
    dropped += record.groups.length - groups.length;
    content.users.set(key, { ...record, groups });
  }
  return dropped;
}
