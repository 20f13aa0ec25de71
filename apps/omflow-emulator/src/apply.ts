import { GROUP_NAME_LIMIT, USER_LIMITS } from '#app/omflow-contract';
import { characterCount, collationKey } from './collation.js';
import {
  FAILURE_SAMPLE,
  SYNCED_USER_FIELDS,
  type ChangeCounts,
  type DeleteMode,
  type OmGroup,
  type OmState,
  type OmUser,
  type RecordFailure,
  type SyncedUserField,
} from './model.js';

export type { DeleteMode } from './model.js';

/**
 * OMFLOW's columns beyond the contract's USER_LIMITS: `gender` is a VARCHAR(10)
 * (omuser/models.py) and a department's code is Django's `auth_group.name`, VARCHAR(150).
 */
export const GENDER_LIMIT = 10;
export const GROUP_NO_LIMIT = 150;

/** The most characters OMFLOW's user columns hold, by field. */
export const USER_COLUMN_LIMITS: Record<SyncedUserField, number> = { ...USER_LIMITS, gender: GENDER_LIMIT };

/** Records to fail on purpose (a simulated failed apply), by username or group_no (compared as OMFLOW does). */
export interface SimulatedFailures {
  users: ReadonlySet<string>;
  groups: ReadonlySet<string>;
}

export interface ApplyOptions {
  now: Date;
  deleteMode: DeleteMode;
  fail: SimulatedFailures;
}

export interface ApplyResult {
  users: ChangeCounts;
  groups: ChangeCounts;
  changes: { users: { added: string[]; modified: string[]; deleted: string[] }; groups: { added: string[]; modified: string[]; deleted: string[] } };
  failures: RecordFailure[];
  /** Rows written or removed, for the store. */
  dirty: { users: Set<number>; removedUsers: Set<number>; groups: Set<number>; removedGroups: Set<number>; members: Set<number> };
}

/** A `/sync` answer that cannot be applied at all. */
export class MalformedAnswerError extends Error {}

interface AnswerUser {
  raw: Record<string, unknown>;
  username: string;
}

const counts = (): ChangeCounts => ({ added: 0, modified: 0, deleted: 0, failed: 0, unchanged: 0 });

/** Python's `str(time.mktime(datetime.now().timetuple()))`: whole seconds, then ".0". */
function pythonUnixTime(now: Date): string {
  return `${Math.floor(now.getTime() / 1000)}.0`;
}

/** A text field of a record: strings as they are, numbers as Python's str() gives them, absent or null as "". */
function textField(record: Record<string, unknown>, field: string): string | { error: string } {
  const value = record[field];
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return { error: `${field} is ${Array.isArray(value) ? 'an array' : 'an object'}, not text` };
}

function tooLong(field: string, value: string, limit: number): string | null {
  const length = characterCount(value);
  return length > limit ? `${field} has ${length} characters; OMFLOW's column holds ${limit} (Data too long for column '${field}')` : null;
}

function checkShape(answer: unknown): { users: unknown[]; groups: unknown[] } {
  if (typeof answer !== 'object' || answer === null || Array.isArray(answer)) throw new MalformedAnswerError('the answer is not a JSON object');
  const body = answer as Record<string, unknown>;
  if (body.status === 'fail')
    throw new MalformedAnswerError(`the Custom HR application answered "fail": ${typeof body.message === 'string' ? body.message : '(no message)'}`);
  if (body.status !== 'success') throw new MalformedAnswerError(`"status" is ${JSON.stringify(body.status) ?? 'missing'}, not "success"`);
  if (!Array.isArray(body.user_info_list)) throw new MalformedAnswerError('"user_info_list" is not an array');
  if (!Array.isArray(body.group_info_list)) throw new MalformedAnswerError('"group_info_list" is not an array');
  return { users: body.user_info_list, groups: body.group_info_list };
}

/**
 * Applies a `/sync` answer to `state` as OMFLOW does (seeds/000): users matched by `username`,
 * departments by `group_no` (both compared as its MySQL collation compares: case- and
 * accent-insensitively), then added, modified or deleted. Each record is saved on its own, as
 * Django saves one model at a time: a value OMFLOW's columns cannot hold (too long, a
 * case-insensitive duplicate of a unique `username`, `email` or `group_no`) fails that record
 * only, and a record that fails keeps what OMFLOW held before. Users missing from the answer are
 * deleted first (`soft`: OMFLOW's deleteUserAjax, the username renamed `<username>-<unixtime>`
 * and `delete` set, the row and its email kept; `hard`: the row removed), then departments
 * missing from it, then each user and department of the answer in its order.
 * Mutates `state`; throws MalformedAnswerError (nothing changed) for an answer of the wrong shape.
 */
export function applySyncAnswer(state: OmState, answer: unknown, options: ApplyOptions): ApplyResult {
  const shape = checkShape(answer);
  const now = options.now.toISOString();
  const result: ApplyResult = {
    users: counts(),
    groups: counts(),
    changes: { users: { added: [], modified: [], deleted: [] }, groups: { added: [], modified: [], deleted: [] } },
    failures: [],
    dirty: { users: new Set(), removedUsers: new Set(), groups: new Set(), removedGroups: new Set(), members: new Set() },
  };
  const note = (list: string[], key: string) => {
    if (list.length < FAILURE_SAMPLE) list.push(key);
  };
  const fail = (type: 'user' | 'group', key: string, reason: string) => {
    (type === 'user' ? result.users : result.groups).failed++;
    if (result.failures.length < FAILURE_SAMPLE) result.failures.push({ type, key, reason });
  };

  // The answer's users, by key; a record that is not an object with a username fails at once.
  const answerUsers: AnswerUser[] = [];
  const named = new Set<string>();
  for (const [i, raw] of shape.users.entries()) {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      fail('user', `user_info_list[${i}]`, 'the record is not a JSON object');
      continue;
    }
    const username = textField(raw as Record<string, unknown>, 'username');
    if (typeof username !== 'string' || collationKey(username) === '') {
      fail('user', `user_info_list[${i}]`, typeof username === 'string' ? 'username is empty' : username.error);
      continue;
    }
    answerUsers.push({ raw: raw as Record<string, unknown>, username });
    named.add(collationKey(username));
  }

  // Deletions: live users the answer does not name (a user named for a simulated failure stays).
  for (const user of [...state.users.values()]) {
    if (user.delete) continue;
    const key = collationKey(user.username);
    if (named.has(key)) continue;
    if (options.fail.users.has(key)) {
      fail('user', user.username, 'simulated failure (deletion not applied)');
      continue;
    }
    note(result.changes.users.deleted, user.username);
    result.users.deleted++;
    for (const [groupId, members] of state.members) if (members.delete(user.id)) result.dirty.members.add(groupId);
    if (options.deleteMode === 'hard') {
      state.users.delete(user.id);
      result.dirty.removedUsers.add(user.id);
    } else {
      user.username = `${user.username}-${pythonUnixTime(options.now)}`;
      user.delete = true;
      user.default_group = null;
      user.updatetime = now;
      result.dirty.users.add(user.id);
    }
  }

  // The answer's departments, by key.
  interface AnswerGroup {
    raw: Record<string, unknown>;
    group_no: string;
    display_name: string;
    parent: string;
  }
  const answerGroups: AnswerGroup[] = [];
  const namedGroups = new Set<string>();
  for (const [i, raw] of shape.groups.entries()) {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      fail('group', `group_info_list[${i}]`, 'the record is not a JSON object');
      continue;
    }
    const record = raw as Record<string, unknown>;
    const groupNo = textField(record, 'group_no');
    if (typeof groupNo !== 'string' || collationKey(groupNo) === '') {
      fail('group', `group_info_list[${i}]`, typeof groupNo === 'string' ? 'group_no is empty' : groupNo.error);
      continue;
    }
    const displayName = textField(record, 'display_name');
    const parent = textField(record, 'parent_group_no');
    if (typeof displayName !== 'string' || typeof parent !== 'string') {
      fail('group', groupNo, typeof displayName !== 'string' ? displayName.error : (parent as { error: string }).error);
      namedGroups.add(collationKey(groupNo));
      continue;
    }
    answerGroups.push({ raw: record, group_no: groupNo, display_name: displayName, parent });
    namedGroups.add(collationKey(groupNo));
  }
  const groupByKey = new Map<string, OmGroup>();
  for (const group of state.groups.values()) groupByKey.set(collationKey(group.group_no), group);
  for (const group of [...state.groups.values()]) {
    const key = collationKey(group.group_no);
    if (namedGroups.has(key)) continue;
    if (options.fail.groups.has(key)) {
      fail('group', group.group_no, 'simulated failure (deletion not applied)');
      continue;
    }
    note(result.changes.groups.deleted, group.group_no);
    result.groups.deleted++;
    state.groups.delete(group.id);
    state.members.delete(group.id);
    groupByKey.delete(key);
    result.dirty.removedGroups.add(group.id);
    for (const child of state.groups.values()) {
      if (child.parent_group_id === group.id) {
        child.parent_group_id = null;
        result.dirty.groups.add(child.id);
      }
    }
  }

  // Users, one record at a time.
  const liveByKey = new Map<string, OmUser>();
  const emailOwner = new Map<string, OmUser>();
  for (const user of state.users.values()) {
    if (!user.delete) liveByKey.set(collationKey(user.username), user);
    emailOwner.set(collationKey(user.email), user);
  }
  const seen = new Map<string, string>();
  for (const { raw, username } of answerUsers) {
    const key = collationKey(username);
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      fail('user', username, `username duplicates "${earlier}" earlier in this answer (unique, case-insensitive: Duplicate entry for key 'username')`);
      continue;
    }
    seen.set(key, username);
    if (options.fail.users.has(key)) {
      fail('user', username, 'simulated failure');
      continue;
    }
    const values = {} as Record<SyncedUserField, string>;
    let problem: string | null = null;
    for (const field of SYNCED_USER_FIELDS) {
      const value = textField(raw, field);
      if (typeof value !== 'string') {
        problem = value.error;
        break;
      }
      problem = tooLong(field, value, USER_COLUMN_LIMITS[field]);
      if (problem) break;
      values[field] = value;
    }
    const existing = liveByKey.get(key);
    if (!problem) {
      const owner = emailOwner.get(collationKey(values.email));
      if (owner && owner !== existing) {
        problem = `email "${values.email}" is already used by ${owner.delete ? 'the deleted user' : 'user'} "${owner.username}" (unique, case-insensitive: Duplicate entry for key 'email')`;
      }
    }
    if (problem) {
      fail('user', username, problem);
      continue;
    }
    if (!existing) {
      const user: OmUser = {
        id: state.nextUserId++,
        ...values,
        is_active: true,
        delete: false,
        default_group: null,
        last_login: null,
        updatetime: now,
      };
      state.users.set(user.id, user);
      liveByKey.set(key, user);
      emailOwner.set(collationKey(user.email), user);
      result.dirty.users.add(user.id);
      result.users.added++;
      note(result.changes.users.added, username);
      continue;
    }
    const changed = SYNCED_USER_FIELDS.filter((f) => existing[f] !== values[f]);
    if (!changed.length) {
      result.users.unchanged++;
      continue;
    }
    if (changed.includes('email')) {
      emailOwner.delete(collationKey(existing.email));
      emailOwner.set(collationKey(values.email), existing);
    }
    Object.assign(existing, values, { updatetime: now });
    result.dirty.users.add(existing.id);
    result.users.modified++;
    note(result.changes.users.modified, username);
  }

  // Departments: their own fields first, then their parents (which may come later in the answer), then their members.
  const applied: { group: OmGroup; entry: AnswerGroup; changed: boolean; added: boolean }[] = [];
  const seenGroups = new Map<string, string>();
  for (const entry of answerGroups) {
    const key = collationKey(entry.group_no);
    const earlier = seenGroups.get(key);
    if (earlier !== undefined) {
      fail('group', entry.group_no, `group_no duplicates "${earlier}" earlier in this answer (unique, case-insensitive: Duplicate entry for key 'name')`);
      continue;
    }
    seenGroups.set(key, entry.group_no);
    if (options.fail.groups.has(key)) {
      fail('group', entry.group_no, 'simulated failure');
      continue;
    }
    const problem = tooLong('group_no', entry.group_no, GROUP_NO_LIMIT) ?? tooLong('display_name', entry.display_name, GROUP_NAME_LIMIT);
    if (problem) {
      fail('group', entry.group_no, problem);
      continue;
    }
    let group = groupByKey.get(key);
    if (!group) {
      group = { id: state.nextGroupId++, group_no: entry.group_no, display_name: entry.display_name, parent_group_id: null, description: '', updatetime: now };
      state.groups.set(group.id, group);
      state.members.set(group.id, new Set());
      groupByKey.set(key, group);
      result.dirty.groups.add(group.id);
      applied.push({ group, entry, changed: true, added: true });
      continue;
    }
    const changed = group.group_no !== entry.group_no || group.display_name !== entry.display_name;
    if (changed) {
      group.group_no = entry.group_no;
      group.display_name = entry.display_name;
      result.dirty.groups.add(group.id);
    }
    applied.push({ group, entry, changed, added: false });
  }
  const firstGroupOf = new Map<number, string>();
  for (const item of applied) {
    const { group, entry } = item;
    let parentId: number | null = null;
    if (collationKey(entry.parent) !== '') {
      const parent = groupByKey.get(collationKey(entry.parent));
      if (!parent || parent === group) {
        fail('group', entry.group_no, `parent department "${entry.parent}" does not exist in OMFLOW (OmGroup.DoesNotExist); its parent is left unchanged`);
        item.changed = false;
        if (item.added) {
          // Saved without a parent, as far as it got.
          result.groups.added++;
          note(result.changes.groups.added, entry.group_no);
          item.added = false;
        }
        continue;
      }
      parentId = parent.id;
    }
    if (group.parent_group_id !== parentId) {
      group.parent_group_id = parentId;
      result.dirty.groups.add(group.id);
      item.changed = true;
    }
  }
  for (const item of applied) {
    const { group, entry } = item;
    const list = entry.raw.user_list;
    const wanted = new Set<number>();
    if (Array.isArray(list)) {
      for (const name of list) {
        if (typeof name !== 'string') continue;
        const user = liveByKey.get(collationKey(name));
        if (!user) continue;
        wanted.add(user.id);
        if (!firstGroupOf.has(user.id)) firstGroupOf.set(user.id, group.group_no);
      }
    }
    const current = state.members.get(group.id) ?? new Set<number>();
    const same = current.size === wanted.size && [...wanted].every((id) => current.has(id));
    if (!same) {
      state.members.set(group.id, wanted);
      result.dirty.members.add(group.id);
      item.changed = true;
    }
    if (item.changed) group.updatetime = now;
    if (item.added) {
      result.groups.added++;
      note(result.changes.groups.added, entry.group_no);
    } else if (item.changed) {
      result.groups.modified++;
      note(result.changes.groups.modified, entry.group_no);
    } else if (!result.failures.some((f) => f.type === 'group' && f.key === entry.group_no)) {
      result.groups.unchanged++;
    }
  }
  // Each live user's default department: the first department of the answer that lists the user.
  for (const user of state.users.values()) {
    if (user.delete) continue;
    const group = firstGroupOf.get(user.id) ?? null;
    if (user.default_group !== group) {
      user.default_group = group;
      result.dirty.users.add(user.id);
    }
  }
  return result;
}
