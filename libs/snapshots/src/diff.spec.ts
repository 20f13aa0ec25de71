import { describe, expect, it } from 'vitest';
import type { GroupRecord, UserRecord } from '#app/hr-source';
import { groupHash, hashesOf, recordsOf, userHash, type Content, type LoadedContent, type PublishedIndex } from './content.js';
import { diffContents, diffWithPublished } from './diff.js';

const user = (key: string, over: Partial<UserRecord> = {}): UserRecord => ({
  key,
  sourceId: `e-${key}`,
  username: `u${key}`,
  email: `u${key}@x.test`,
  nick_name: null,
  ad_no: null,
  company: null,
  phone1: null,
  phone2: null,
  extension_no: null,
  gender: null,
  groups: ['a'],
  ...over,
});
const group = (code: string, parent: string | null = null, name = code): GroupRecord => ({ group_no: code, display_name: name, parent_group_no: parent });

function loaded(users: UserRecord[], groups: GroupRecord[]): LoadedContent {
  return {
    users: new Map(users.map((u, i) => [u.key, { record: u, id: i + 1, hash: userHash(u) }])),
    groups: new Map(groups.map((g, i) => [g.group_no, { record: g, id: i + 1, hash: groupHash(g) }])),
  };
}

function indexOf(published: LoadedContent): PublishedIndex {
  return {
    users: new Map([...published.users].map(([key, v]) => [key, { id: v.id, hash: v.hash, username: v.record.username, email: v.record.email, department: v.record.groups[0] ?? null }])),
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
