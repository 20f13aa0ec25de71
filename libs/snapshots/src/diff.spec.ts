import { describe, expect, it } from 'vitest';
import type { GroupRecord, UserRecord } from '#app/hr-source';
import { groupHash, hashesOf, recordsOf, userHash, type Content, type LoadedContent, type PublishedIndex } from './content.js';
import { DIFF_KINDS, diffContents, DiffPager, diffWithPublished, summarise, type DiffPageRequest } from './diff.js';
import { groupRecord, userRecord } from '../../../test/support/records.js';

const user = userRecord;
const group = groupRecord;

function loaded(users: UserRecord[], groups: GroupRecord[]): LoadedContent {
  return {
    users: new Map(users.map((u, i) => [u.key, { record: u, id: i + 1, hash: userHash(u) }])),
    groups: new Map(groups.map((g, i) => [g.group_no, { record: g, id: i + 1, hash: groupHash(g) }])),
  };
}

function indexOf(published: LoadedContent): PublishedIndex {
  return {
    users: new Map(
      [...published.users].map(([key, v]) => [
        key,
        { id: v.id, hash: v.hash, username: v.record.username, email: v.record.email, department: v.record.groups[0] ?? null },
      ]),
    ),
    groups: published.groups,
  };
}

describe('diffWithPublished', () => {
  it("answers the full diff's answer, reading only the published people whose hash differs or who went", async () => {
    const published = loaded(
      [
        user('same'),
        user('changed'),
        user('renamed'),
        user('moved', { groups: ['a', 'b'] }),
        user('gone'),
        user('source', { sourceId: 'old-id' }),
        user('gone2'),
      ],
      [group('a'), group('b', 'a'), group('old')],
    );
    const content: Content = {
      users: new Map(
        [
          user('new'),
          user('same'),
          user('changed', { phone1: '+1 555' }),
          user('renamed', { username: 'new-name' }),
          user('moved', { groups: ['b', 'a'] }),
          user('source', { sourceId: 'new-id' }), // hash differs, no field OMFLOW sees does
        ].map((u) => [u.key, u]),
      ),
      groups: new Map([group('a'), group('b', 'a', 'Bee'), group('c', 'a')].map((g) => [g.group_no, g])),
    };
    const asked: number[][] = [];
    const load = (ids: number[]): Promise<Map<string, UserRecord>> => {
      asked.push(ids);
      const byId = new Map([...published.users.values()].map((v) => [v.id, v.record]));
      return Promise.resolve(new Map(ids.map((id) => [byId.get(id)!.key, structuredClone(byId.get(id)!)])));
    };

    const diff = await diffWithPublished(indexOf(published), content, await hashesOf(content), load);

    expect(diff).toEqual(await diffContents(recordsOf(published), content));
    expect(asked).toEqual([[2, 3, 4, 5, 6, 7]]); // everyone but `same`, in stable-number order
    expect(diff.users.removed.map((u) => u.key)).toEqual(['gone', 'gone2']);
    expect(diff.renames).toEqual([{ key: 'renamed', from: 'urenamed', to: 'new-name' }]);
    expect(diff.moves).toEqual([{ key: 'moved', username: 'umoved', from: 'a', to: 'b' }]);
  });

  it('reads nothing when nothing changed, and diffs against nothing before a first publish', async () => {
    const people = [user('x'), user('y')];
    const content: Content = { users: new Map(people.map((u) => [u.key, u])), groups: new Map([[group('a').group_no, group('a')]]) };
    const load = (): Promise<Map<string, UserRecord>> => Promise.reject(new Error('nothing should be read'));
    const unchanged = await diffWithPublished(indexOf(loaded(people, [group('a')])), content, await hashesOf(content), load);
    expect(unchanged).toEqual({ users: { added: [], removed: [], changed: [] }, groups: { added: [], removed: [], changed: [] }, renames: [], moves: [] });
    const first = await diffWithPublished(null, content, await hashesOf(content), load);
    expect(first.users.added.map((u) => u.key)).toEqual(['x', 'y']);
    expect(first.groups.added).toEqual([group('a')]);
  });
});

describe('DiffPager', () => {
  // 30 people before; after: 1-5 gone, 6-10 renamed, 11-15 moved, 16-20 a new phone, 31-40 new.
  const before = new Map<string, UserRecord>();
  for (let i = 1; i <= 30; i++) before.set(String(i), user(String(i)));
  const after = new Map<string, UserRecord>();
  for (let i = 6; i <= 40; i++) {
    const key = String(i);
    const prev = before.get(key);
    if (!prev) after.set(key, user(key, { nick_name: i === 33 ? 'Zoë Smith' : null }));
    else if (i <= 10) after.set(key, { ...prev, username: `renamed${i}` });
    else if (i <= 15) after.set(key, { ...prev, groups: ['b'] });
    else if (i <= 20) after.set(key, { ...prev, phone1: '123' });
    else after.set(key, prev);
  }
  const groupsBefore = new Map([
    ['a', group('a')],
    ['b', group('b')],
    ['old', group('old')],
  ]);
  const groupsAfter = new Map([
    ['a', group('a', null, 'A dept')],
    ['b', group('b')],
    ['new', group('new')],
  ]);

  /** People in stable-number order (their keys are their numbers), then departments. */
  function page(request: DiffPageRequest) {
    const pager = new DiffPager(request);
    for (let i = 1; i <= 40; i++) pager.user(String(i), before.get(String(i)), after.get(String(i)));
    pager.groups(groupsBefore, groupsAfter);
    return pager.result();
  }

  it('with every kind and a page as large as the diff, answers exactly diffContents', async () => {
    const whole = await diffContents({ users: before, groups: groupsBefore }, { users: after, groups: groupsAfter });
    const result = page({ kinds: DIFF_KINDS, offset: 0, limit: 1000 });
    expect(result.diff).toEqual(whole);
    expect(result.summary).toEqual(summarise(whole));
    expect(result.matched).toEqual(result.summary);
    expect(result.summary).toEqual({ users: { added: 10, removed: 5, changed: 15 }, groups: { added: 1, removed: 1, changed: 1 }, renames: 5, moves: 5 });
  });

  it('keeps only the asked slice of the asked kinds, the summary always whole', () => {
    const result = page({ kinds: ['users.added', 'renames'], offset: 3, limit: 4 });
    expect(result.diff.users.added.map((u) => u.key)).toEqual(['34', '35', '36', '37']);
    expect(result.diff.renames).toEqual([
      { key: '9', from: 'u9', to: 'renamed9' },
      { key: '10', from: 'u10', to: 'renamed10' },
    ]);
    expect(result.diff.users.removed).toEqual([]);
    expect(result.diff.users.changed).toEqual([]);
    expect(result.diff.groups).toEqual({ added: [], removed: [], changed: [] });
    expect(result.summary.users.added).toBe(10);
    expect(page({ kinds: ['moves'], offset: 5, limit: 10 }).diff.moves).toEqual([]);
  });

  it('searches username, name and email case-insensitively, before or after, and counts the matches by kind', () => {
    const renamed = page({ kinds: ['renames', 'users.changed'], offset: 0, limit: 10, q: 'U1' });
    // u1 is gone, u10 (renamed: matches before), u11-u15 (moved) and u16-u19 (new phone) changed.
    expect(renamed.diff.renames.map((r) => r.key)).toEqual(['10']);
    expect(renamed.diff.users.changed.map((c) => c.key)).toEqual(['10', '11', '12', '13', '14', '15', '16', '17', '18', '19']);
    expect(renamed.matched).toMatchObject({ renames: 1, moves: 5, users: { changed: 10, added: 0, removed: 1 } });
    expect(renamed.summary.renames).toBe(5);
    expect(page({ kinds: ['renames'], offset: 0, limit: 10, q: 'RENAMED10' }).diff.renames.map((r) => r.key)).toEqual(['10']);
    expect(page({ kinds: ['users.added'], offset: 0, limit: 10, q: 'zoË' }).diff.users.added.map((u) => u.key)).toEqual(['33']);
    expect(page({ kinds: ['users.removed'], offset: 0, limit: 10, q: 'u3@x.test' }).diff.users.removed.map((u) => u.key)).toEqual(['3']);
    const departments = page({ kinds: ['groups.changed', 'groups.added'], offset: 0, limit: 10, q: 'a dept' });
    expect(departments.diff.groups.changed.map((c) => c.key)).toEqual(['a']);
    expect(departments.diff.groups.added).toEqual([]);
    expect(departments.matched.groups).toEqual({ added: 0, removed: 0, changed: 1 });
  });
});
