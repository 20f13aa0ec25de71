import { describe, expect, it } from 'vitest';
import type { GroupRecord, UserRecord } from '#app/hr-source';
import { checkOrganisation, type QualityPolicy } from './quality-checks.js';

const policy: QualityPolicy = {
  missingEmail: 'quarantine',
  invalidEmail: 'quarantine',
  duplicateEmail: 'quarantine',
  tooLong: 'truncate',
  emailTemplate: null,
};

function user(key: string, over: Partial<UserRecord> = {}): UserRecord {
  return {
    key,
    sourceId: `e-${key}`,
    username: `u${key}`,
    email: `u${key}@x.test`,
    nick_name: `N ${key}`,
    ad_no: null,
    company: null,
    phone1: null,
    phone2: null,
    extension_no: null,
    gender: 'male',
    groups: ['a'],
    ...over,
  };
}
const group = (code: string, parent: string | null, name = code): GroupRecord => ({ group_no: code, display_name: name, parent_group_no: parent });
const tree = [group('root', null), group('a', 'root'), group('b', 'a')];

function check(users: UserRecord[], groups: GroupRecord[] = tree, published: { users?: UserRecord[]; groups?: GroupRecord[] } = {}, p: QualityPolicy = policy) {
  const publishedUsers = new Map((published.users ?? []).map((u) => [u.key, u]));
  return checkOrganisation(
    {
      users,
      groups,
      failedKeys: [],
      publishedUsers: new Map([...publishedUsers].map(([key, u]) => [key, { username: u.username, email: u.email }])),
      publishedGroups: new Map((published.groups ?? []).map((g) => [g.group_no, g])),
      // A copy, as the database gives: the checks may change what they are given.
      loadPublished: (keys) => Promise.resolve(new Map(keys.map((key) => [key, structuredClone(publishedUsers.get(key)!)]))),
    },
    p,
  );
}

describe('checkOrganisation: users', () => {
  it('passes a clean organisation untouched', async () => {
    const result = await check([user('1'), user('2')]);
    expect(result.users.map((u) => u.key)).toEqual(['1', '2']);
    expect(result.findings).toEqual([]);
  });

  it('quarantines both holders of a username that differs only in case, when neither was published', async () => {
    const result = await check([user('1', { username: 'Alice' }), user('2', { username: 'alice' }), user('3')]);
    expect(result.users.map((u) => u.key)).toEqual(['3']);
    expect(result.findings.filter((f) => f.kind === 'duplicate-username').map((f) => [f.record.key, f.action])).toEqual([
      ['1', 'quarantined'],
      ['2', 'quarantined'],
    ]);
  });

  it('lets the published holder keep a contested email, quarantining the newcomer', async () => {
    const alice = user('1', { email: 'a@x.test' });
    const result = await check([alice, user('2', { email: 'A@X.test' })], tree, { users: [alice] });
    expect(result.users.map((u) => u.key)).toEqual(['1']);
    expect(result.findings).toEqual([
      expect.objectContaining({ kind: 'duplicate-email', record: expect.objectContaining({ key: '2' }), action: 'quarantined' }),
    ]);
  });

  it('keeps the published version of a published person whose new record is bad', async () => {
    const published = user('1', { email: 'good@x.test' });
    const result = await check([user('1', { email: 'not-an-email' })], tree, { users: [published] });
    expect(result.users).toEqual([published]);
    expect(result.findings[0]).toMatchObject({ kind: 'invalid-email', action: 'kept-published', field: 'email' });
    expect(result.quarantinedUsers).toBe(0);
  });

  it('builds a fallback email from the template when the policy says so', async () => {
    const result = await check(
      [user('1', { email: null, username: 'Bob' })],
      tree,
      {},
      { ...policy, missingEmail: 'fallback', emailTemplate: '{username}@fallback.test' },
    );
    expect(result.users[0].email).toBe('bob@fallback.test');
    expect(result.findings[0]).toMatchObject({ kind: 'missing-email', action: 'fallback' });
  });

  it('truncates over-long values by characters (not bytes) or quarantines them, per policy', async () => {
    const long = '长'.repeat(60);
    expect((await check([user('1', { nick_name: long })])).users[0].nick_name).toBe('长'.repeat(50));
    const strict = await check([user('1', { nick_name: long })], tree, {}, { ...policy, tooLong: 'quarantine' });
    expect(strict.users).toEqual([]);
    expect(strict.findings[0]).toMatchObject({ kind: 'too-long', field: 'nick_name', action: 'quarantined' });
  });

  it('quarantines a username longer than OMFLOW allows (it is an identity, never truncated)', async () => {
    const result = await check([user('1', { username: 'x'.repeat(151) })]);
    expect(result.users).toEqual([]);
    expect(result.findings[0]).toMatchObject({ kind: 'too-long', field: 'username' });
  });

  it('blanks a gender OMFLOW does not know', async () => {
    const result = await check([user('1', { gender: 'other' })]);
    expect(result.users[0].gender).toBeNull();
    expect(result.findings[0]).toMatchObject({ kind: 'invalid-gender', action: 'blanked' });
  });
});

describe('checkOrganisation: departments', () => {
  it('quarantines a department whose parent is missing, and its children after it', async () => {
    const result = await check([user('1', { groups: ['a', 'c'] })], [...tree, group('c', 'ghost'), group('d', 'c')]);
    expect(result.groups.map((g) => g.group_no).sort()).toEqual(['a', 'b', 'root']);
    expect(
      result.findings
        .filter((f) => f.kind === 'missing-parent')
        .map((f) => f.record.key)
        .sort(),
    ).toEqual(['c', 'd']);
    // The member keeps the departments that made it.
    expect(result.users[0].groups).toEqual(['a']);
    expect(result.findings.find((f) => f.kind === 'unknown-member')).toMatchObject({ action: 'dropped-membership', record: { key: '1' } });
  });

  it('quarantines every department of a parent cycle', async () => {
    const result = await check([], [...tree, group('x', 'y'), group('y', 'z'), group('z', 'x')]);
    expect(result.groups.map((g) => g.group_no).sort()).toEqual(['a', 'b', 'root']);
    expect(result.findings.filter((f) => f.kind === 'cycle')).toHaveLength(3);
  });

  it('quarantines duplicate group codes (case-insensitive) unless one was published', async () => {
    const result = await check([], [...tree, group('Dup', 'root', 'One'), group('dup', 'root', 'Two')]);
    expect(result.groups.map((g) => g.group_no)).not.toContain('Dup');
    expect(result.findings.filter((f) => f.kind === 'duplicate-group')).toHaveLength(2);
  });

  it('truncates a department name longer than 20 characters', async () => {
    const result = await check([], [group('root', null, 'A'.repeat(25))]);
    expect(result.groups[0].display_name).toBe('A'.repeat(20));
  });
});
