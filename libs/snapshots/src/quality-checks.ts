import type { Finding, GroupRecord, UserRecord } from '#app/hr-source';
import { GENDERS, GROUP_NAME_LIMIT, isValidEmail, USER_LIMITS } from '#app/omflow-contract';
import { TimeSlice } from './time-slice.js';

/** What to do per kind of problem (configured by the POLICY_* variables). */
export interface QualityPolicy {
  missingEmail: 'quarantine' | 'fallback';
  invalidEmail: 'quarantine' | 'fallback';
  duplicateEmail: 'quarantine' | 'fallback';
  tooLong: 'truncate' | 'quarantine';
  /** `{username}`, `{ad_no}` and `{key}` are replaced; required by any `fallback`. */
  emailTemplate: string | null;
}

/** Fields cut to OMFLOW's limit (or quarantined) when too long; a too long username always quarantines, an email is checked whole. */
const TRUNCATED_FIELDS = (Object.keys(USER_LIMITS) as (keyof typeof USER_LIMITS)[]).filter((field) => field !== 'username' && field !== 'email');

export interface CheckInput {
  users: UserRecord[];
  groups: GroupRecord[];
  /** Keys whose mapping failed (already reported): kept as published when they were. */
  failedKeys: string[];
  /** The published snapshot's people by key: the username and email reserved for each. */
  publishedUsers: ReadonlyMap<string, PublishedValues>;
  /** The published snapshot's departments by code. */
  publishedGroups: ReadonlyMap<string, GroupRecord>;
  /**
   * The whole published records of `keys` (people kept as published because of a problem this
   * run: usually few, so they are read only when needed), by key.
   */
  loadPublished(keys: string[]): Promise<ReadonlyMap<string, UserRecord>>;
}

/** What the checks need of every published person. */
export type PublishedValues = Pick<UserRecord, 'username' | 'email'>;

export interface CheckResult {
  users: UserRecord[];
  groups: GroupRecord[];
  findings: Finding[];
  /** Users and departments left out of this snapshot because of their problems (not kept). */
  quarantinedUsers: number;
  quarantinedGroups: number;
}

/**
 * Makes an organisation safe for OMFLOW: unique usernames, emails and group codes compared
 * case-insensitively (as OMFLOW's MySQL collations do), valid emails, column limits, parents
 * that exist without cycles, memberships that name known departments. A bad record is a
 * finding, handled by the policy; one that was published before keeps its published version
 * (dropping it would make OMFLOW delete the person). Asynchronous only to let the event loop
 * run between slices of its loops (`slice`); the answer is the same.
 */
export async function checkOrganisation(input: CheckInput, policy: QualityPolicy, slice = new TimeSlice()): Promise<CheckResult> {
  const findings: Finding[] = [];
  const groups = checkGroups(input, policy, findings);
  const known = new Set(groups.records.map((g) => g.group_no.toLowerCase()));
  const users = await checkUsers(input, policy, findings, slice);
  // Memberships of departments that did not make it are dropped (the person stays).
  for (const user of users.records) {
    if (slice.due()) await slice.pause();
    const unknown = user.groups.filter((g) => !known.has(g.toLowerCase()));
    if (!unknown.length) continue;
    user.groups = user.groups.filter((g) => known.has(g.toLowerCase()));
    findings.push({
      kind: 'unknown-member',
      record: { type: 'user', key: user.key, label: user.username },
      field: 'groups',
      reason: `member of unknown or quarantined department(s) ${unknown.join(', ')}`,
      action: 'dropped-membership',
    });
  }
  return { users: users.records, groups: groups.records, findings, quarantinedUsers: users.quarantined, quarantinedGroups: groups.quarantined };
}

type Quarantine = (record: UserRecord, finding: Omit<Finding, 'record' | 'action'>) => void;

async function checkUsers(
  input: CheckInput,
  policy: QualityPolicy,
  findings: Finding[],
  slice: TimeSlice,
): Promise<{ records: UserRecord[]; quarantined: number }> {
  const kept = new Map<string, UserRecord>();
  const carried = new Set<string>();
  let quarantined = 0;
  const carryOrDrop = (key: string, label: string | undefined, finding: Omit<Finding, 'record' | 'action'>): void => {
    const published = input.publishedUsers.get(key);
    if (published) {
      // Until the end of the checks a carried person is its reserved username and email alone
      // (all that the uniqueness checks read of it); its whole record is read at the end.
      kept.set(key, { ...CARRIED, key, username: published.username, email: published.email });
      carried.add(key);
    } else {
      kept.delete(key);
      quarantined++;
    }
    findings.push({ ...finding, record: { type: 'user', key, label }, action: published ? 'kept-published' : 'quarantined' });
  };
  const quarantine: Quarantine = (record, finding) => carryOrDrop(record.key, record.username, finding);

  for (const key of input.failedKeys) {
    if (input.publishedUsers.has(key))
      carryOrDrop(key, input.publishedUsers.get(key)?.username, { kind: 'mapping-error', reason: 'mapping failed (see the mapping finding)' });
  }
  const failed = new Set(input.failedKeys);

  // 1. Each record on its own: username length, email presence and form, column limits, gender.
  for (const original of input.users) {
    if (slice.due()) await slice.pause();
    if (failed.has(original.key) || kept.has(original.key)) {
      if (kept.has(original.key) && !carried.has(original.key)) {
        quarantine(original, { kind: 'duplicate-username', field: 'key', reason: `two employees share the stable id ${original.key}` });
      }
      continue;
    }
    // The mapped records belong to this run's checks alone: fix them in place, no copies.
    const user = original;
    const problem = checkUserFields(user, policy, findings);
    if (problem) quarantine(user, problem);
    else kept.set(user.key, user);
  }

  // 2. Uniqueness, case-insensitive. Every published value is reserved for the person who holds
  //    it, so that OMFLOW never sees a value pass from one person to another within one sync
  //    (whatever order it applies adds, changes and deletes in).
  const orderedKeys = [...kept.keys()].sort();
  for (const field of ['username', 'email'] as const) {
    const owner = new Map<string, string>();
    for (const [key, published] of input.publishedUsers) {
      if (slice.due()) await slice.pause();
      const value = published[field]?.toLowerCase();
      if (value) owner.set(value, key);
    }
    const candidates: UserRecord[] = [];
    for (const key of orderedKeys) {
      if (slice.due()) await slice.pause();
      const user = kept.get(key);
      if (user) candidates.push(user);
    }
    // Each candidate's value, lower-cased once, and its published owner. Without a published owner
    // there is no telling who is right: every holder of a repeated value loses. Only values without
    // an owner are counted and handed out (`holders`, `taken`): an owned value goes to its owner alone.
    const values: (string | undefined)[] = [];
    const owners: (string | undefined)[] = [];
    const holders = new Map<string, number>();
    for (const user of candidates) {
      if (slice.due()) await slice.pause();
      const value = user[field]?.toLowerCase();
      const reservedBy = value ? owner.get(value) : undefined;
      values.push(value);
      owners.push(reservedBy);
      if (value && reservedBy === undefined) holders.set(value, (holders.get(value) ?? 0) + 1);
    }
    const taken = new Set<string>();
    for (let i = 0; i < candidates.length; i++) {
      if (slice.due()) await slice.pause();
      const [user, value, reservedBy] = [candidates[i], values[i], owners[i]];
      if (!value) continue;
      const clash = reservedBy !== undefined ? reservedBy !== user.key : holders.get(value)! > 1 || taken.has(value);
      if (!clash) {
        if (reservedBy === undefined) taken.add(value);
        continue;
      }
      if (carried.has(user.key)) continue; // a published version is unique by construction
      const reason =
        reservedBy !== undefined && reservedBy !== user.key
          ? `${field} "${user[field]}" is held (published) by ${reservedBy}`
          : `${field} "${user[field]}" is used by ${holders.get(value)} employees`;
      if (field === 'email' && policy.duplicateEmail === 'fallback' && policy.emailTemplate) {
        const fallback = fillTemplate(policy.emailTemplate, user);
        const lower = fallback.toLowerCase();
        if (isValidEmail(fallback) && !taken.has(lower) && !holders.has(lower) && !owner.has(lower)) {
          findings.push({
            kind: 'duplicate-email',
            record: { type: 'user', key: user.key, label: user.username },
            field,
            reason: `${reason}; used ${fallback}`,
            action: 'fallback',
          });
          user.email = fallback;
          taken.add(lower);
          continue;
        }
      }
      quarantine(user, { kind: field === 'username' ? 'duplicate-username' : 'duplicate-email', field, reason });
      const replacement = kept.get(user.key)?.[field]?.toLowerCase();
      if (replacement) taken.add(replacement);
    }
  }
  if (carried.size) {
    const records = await input.loadPublished([...carried]);
    for (const key of carried) {
      const record = records.get(key);
      if (!record) throw new Error(`The published record of ${key} could not be read`);
      kept.set(key, record);
    }
  }
  return { records: [...kept.values()], quarantined };
}

/** The rest of a carried person until its published record is read (see carryOrDrop). */
const CARRIED: Omit<UserRecord, 'key' | 'username' | 'email'> = {
  sourceId: '',
  nick_name: null,
  ad_no: null,
  company: null,
  phone1: null,
  phone2: null,
  extension_no: null,
  gender: null,
  groups: [],
};

/** Returns the problem that quarantines the record, after applying fallbacks and truncations. */
function checkUserFields(user: UserRecord, policy: QualityPolicy, findings: Finding[]): Omit<Finding, 'record' | 'action'> | null {
  const note = (finding: Omit<Finding, 'record'>): void => {
    findings.push({ ...finding, record: { type: 'user', key: user.key, label: user.username } });
  };
  if (user.username.length > USER_LIMITS.username) {
    return { kind: 'too-long', field: 'username', reason: `username is ${user.username.length} characters; OMFLOW allows ${USER_LIMITS.username}` };
  }
  if (!user.email || !isValidEmail(user.email)) {
    const kind = user.email ? 'invalid-email' : 'missing-email';
    const rule = kind === 'missing-email' ? policy.missingEmail : policy.invalidEmail;
    const reason = user.email ? `email "${user.email}" is not a valid address` : 'no email; OMFLOW requires a unique email';
    if (rule === 'fallback' && policy.emailTemplate) {
      const fallback = fillTemplate(policy.emailTemplate, user);
      if (!isValidEmail(fallback)) return { kind, field: 'email', reason: `${reason}; the fallback "${fallback}" is not valid either` };
      note({ kind, field: 'email', reason: `${reason}; used ${fallback}`, action: 'fallback' });
      user.email = fallback;
    } else {
      return { kind, field: 'email', reason };
    }
  }
  for (const field of TRUNCATED_FIELDS) {
    const value = user[field];
    const limit = USER_LIMITS[field];
    // UTF-16 length bounds the character count: count characters only when it might exceed.
    if (value === null || value.length <= limit || [...value].length <= limit) continue;
    const reason = `${field} is ${[...value].length} characters; OMFLOW allows ${limit}`;
    if (policy.tooLong === 'quarantine') return { kind: 'too-long', field, reason };
    user[field] = [...value].slice(0, limit).join('');
    note({ kind: 'too-long', field, reason, action: 'truncated' });
  }
  if (user.gender !== null && !(GENDERS as readonly string[]).includes(user.gender)) {
    note({ kind: 'invalid-gender', field: 'gender', reason: `gender "${user.gender}" is neither male nor female`, action: 'blanked' });
    user.gender = null;
  }
  return null;
}

function fillTemplate(template: string, user: UserRecord): string {
  return template
    .replaceAll('{username}', user.username.toLowerCase())
    .replaceAll('{ad_no}', (user.ad_no ?? user.key).toLowerCase())
    .replaceAll('{key}', user.key.toLowerCase());
}

function checkGroups(input: CheckInput, policy: QualityPolicy, findings: Finding[]): { records: GroupRecord[]; quarantined: number } {
  const byCode = new Map<string, GroupRecord>();
  const carried = new Set<string>();
  let quarantined = 0;
  const drop = (group: GroupRecord, finding: Omit<Finding, 'record' | 'action'>): void => {
    const code = group.group_no.toLowerCase();
    // A published version is kept once; if it fails too (its parent is gone), it goes.
    const published = carried.has(code) ? undefined : input.publishedGroups.get(group.group_no);
    if (published) {
      byCode.set(code, { ...published });
      carried.add(code);
    } else {
      byCode.delete(code);
      quarantined++;
    }
    findings.push({
      ...finding,
      record: { type: 'department', key: group.group_no, label: group.display_name },
      action: published ? 'kept-published' : 'quarantined',
    });
  };

  const seen = new Map<string, GroupRecord[]>();
  for (const group of input.groups) {
    const code = group.group_no.toLowerCase();
    seen.set(code, [...(seen.get(code) ?? []), group]);
  }
  for (const [code, same] of seen) {
    if (
      same.length === 1 ||
      same.every((g) => g.group_no === same[0].group_no && g.display_name === same[0].display_name && g.parent_group_no === same[0].parent_group_no)
    ) {
      byCode.set(code, { ...same[0] });
      continue;
    }
    for (const group of same)
      drop(group, { kind: 'duplicate-group', field: 'group_no', reason: `group_no "${group.group_no}" is used by ${same.length} departments` });
  }

  for (const group of [...byCode.values()]) {
    if (group.display_name.length <= GROUP_NAME_LIMIT) continue;
    const length = [...group.display_name].length;
    if (length <= GROUP_NAME_LIMIT) continue;
    const reason = `display_name is ${length} characters; OMFLOW allows ${GROUP_NAME_LIMIT}`;
    if (policy.tooLong === 'quarantine') drop(group, { kind: 'too-long', field: 'display_name', reason });
    else {
      group.display_name = [...group.display_name].slice(0, GROUP_NAME_LIMIT).join('');
      findings.push({
        kind: 'too-long',
        record: { type: 'department', key: group.group_no, label: group.display_name },
        field: 'display_name',
        reason,
        action: 'truncated',
      });
    }
  }

  // Parents must exist; repeat until stable, since dropping a department orphans its children.
  for (let changed = true; changed;) {
    changed = false;
    for (const group of [...byCode.values()]) {
      if (group.parent_group_no === null || byCode.has(group.parent_group_no.toLowerCase())) continue;
      drop(group, {
        kind: 'missing-parent',
        field: 'parent_group_no',
        reason: `parent department "${group.parent_group_no}" does not exist or was quarantined`,
      });
      changed = true;
    }
  }

  removeCycles(byCode, drop);
  removeCycles(byCode, drop); // kept published versions could close a new cycle: a second pass drops them
  return { records: [...byCode.values()], quarantined };
}

/** Walks up from each department; a walk that comes back to itself is a cycle. */
function removeCycles(byCode: Map<string, GroupRecord>, drop: (group: GroupRecord, finding: Omit<Finding, 'record' | 'action'>) => void): void {
  const state = new Map<string, 'walking' | 'ok'>();
  for (const start of [...byCode.values()]) {
    const walk: GroupRecord[] = [];
    let at: GroupRecord | undefined = start;
    while (at && !state.has(at.group_no.toLowerCase())) {
      state.set(at.group_no.toLowerCase(), 'walking');
      walk.push(at);
      at = at.parent_group_no === null ? undefined : byCode.get(at.parent_group_no.toLowerCase());
    }
    if (at && state.get(at.group_no.toLowerCase()) === 'walking') {
      const cycleStart = walk.findIndex((g) => g.group_no.toLowerCase() === at.group_no.toLowerCase());
      const cycle = walk.slice(cycleStart);
      const names = cycle.map((g) => g.group_no).join(' → ');
      for (const group of cycle) drop(group, { kind: 'cycle', field: 'parent_group_no', reason: `department is in a parent cycle: ${names}` });
    }
    for (const g of walk) state.set(g.group_no.toLowerCase(), 'ok');
  }
}
