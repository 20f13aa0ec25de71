import { describe, expect, it } from 'vitest';
import { renderSyncAnswer, type SyncAnswerUser } from './sync.dto.js';
import { USER_FIELDS } from './user-fields.js';

/** A user with every contract field empty but its username and email. */
const user = (username: string, groups: string[], extra: Partial<SyncAnswerUser> = {}): SyncAnswerUser =>
  ({ ...Object.fromEntries(USER_FIELDS.map((f) => [f, null])), username, email: `${username}@example.com`, groups, ...extra }) as SyncAnswerUser;

describe('renderSyncAnswer', () => {
  it('renders every contract field in order, "" for empty ones, and each department with its members', () => {
    const users = [user('b', ['rd', 'sales'], { nick_name: '张伟 "quoted"', gender: 'male', phone1: '+86 1' }), user('a', ['rd'])];
    const groups = [
      { group_no: 'root', display_name: 'ACME', parent_group_no: null },
      { group_no: 'rd', display_name: '研发中心', parent_group_no: 'root' },
      { group_no: 'sales', display_name: 'Sales', parent_group_no: 'root' },
    ];
    const text = [...renderSyncAnswer(users, groups)].join('');
    const answer = JSON.parse(text) as { status: string; user_info_list: Record<string, string>[]; group_info_list: Record<string, unknown>[] };
    expect(answer.status).toBe('success');
    expect(answer.user_info_list.map((u) => Object.keys(u))).toEqual([[...USER_FIELDS], [...USER_FIELDS]]);
    expect(answer.user_info_list[0]).toMatchObject({ username: 'b', nick_name: '张伟 "quoted"', gender: 'male', phone1: '+86 1', ad_no: '' });
    expect(answer.group_info_list).toEqual([
      { display_name: 'ACME', group_no: 'root', parent_group_no: '', user_list: [] },
      { display_name: '研发中心', group_no: 'rd', parent_group_no: 'root', user_list: ['b', 'a'] },
      { display_name: 'Sales', group_no: 'sales', parent_group_no: 'root', user_list: ['b'] },
    ]);
    // The same bytes JSON.stringify gives the object tree, pieces or not.
    expect(text).toBe(JSON.stringify(answer));
  });

  it('keeps its pieces bounded for a large organisation', () => {
    const users = Array.from({ length: 2500 }, (_, i) => user(`u${i}`, ['rd']));
    const pieces = [...renderSyncAnswer(users, [{ group_no: 'rd', display_name: 'RD', parent_group_no: null }])];
    expect(pieces.length).toBeGreaterThan(4);
    expect((JSON.parse(pieces.join('')) as { user_info_list: unknown[] }).user_info_list).toHaveLength(2500);
  });
});
