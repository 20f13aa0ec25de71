import { describe, expect, it } from 'vitest';
import { applySyncAnswer, MalformedAnswerError, type ApplyOptions } from './apply.js';
import type { OmState } from './model.js';

const empty = (): OmState => ({ users: new Map(), groups: new Map(), members: new Map(), nextUserId: 1, nextGroupId: 1 });
const options = (extra: Partial<ApplyOptions> = {}): ApplyOptions => ({
  now: new Date('2026-11-30T08:00:00Z'),
  deleteMode: 'soft',
  fail: { users: new Set(), groups: new Set() },
  ...extra,
});
const user = (username: string, extra: Record<string, unknown> = {}) => ({
  username,
  email: `${username}@x.test`,
  nick_name: username,
  gender: 'male',
  ...extra,
});
const answer = (users: unknown[], groups: unknown[] = []) => ({ status: 'success', user_info_list: users, group_info_list: groups });
const usernames = (s: OmState) => [...s.users.values()].map((u) => `${u.username}${u.delete ? ' (deleted)' : ''}`);

describe('applySyncAnswer', () => {
  it('adds, modifies and deletes users by username and departments by group_no, keeping ids', () => {
    const state = empty();
    applySyncAnswer(state, answer([user('a'), user('b')], [{ group_no: 'root', display_name: 'Root', parent_group_no: '', user_list: ['a', 'b'] }]), options());
    const result = applySyncAnswer(
      state,
      answer(
        [user('A', { nick_name: 'Changed' }), user('c')],
        [
          { group_no: 'ROOT', display_name: 'Root', parent_group_no: '', user_list: ['a'] },
          { group_no: 'sub', display_name: 'Sub', parent_group_no: 'root', user_list: ['c'] },
        ],
      ),
      options(),
    );
    expect(result.users).toEqual({ added: 1, modified: 1, deleted: 1, failed: 0, unchanged: 0 });
    expect(result.groups).toEqual({ added: 1, modified: 1, deleted: 0, failed: 0, unchanged: 0 });
    expect(state.users.get(1)).toMatchObject({ username: 'A', nick_name: 'Changed', default_group: 'ROOT' });
    expect(state.users.get(2)).toMatchObject({ username: 'b-1796025600.0', delete: true, email: 'b@x.test' });
    expect(state.users.get(3)).toMatchObject({ username: 'c', default_group: 'sub' });
    expect([...state.groups.values()].map((g) => [g.id, g.group_no, g.parent_group_id])).toEqual([
      [1, 'ROOT', null],
      [2, 'sub', 1],
    ]);
  });

  it('deletes before it adds: a hard delete frees the email for a renamed person, a soft one does not', () => {
    for (const [mode, failed] of [
      ['hard', 0],
      ['soft', 1],
    ] as const) {
      const state = empty();
      applySyncAnswer(state, answer([user('old', { email: 'same@x.test' })]), options({ deleteMode: mode }));
      const result = applySyncAnswer(state, answer([user('new', { email: 'same@x.test' })]), options({ deleteMode: mode }));
      expect(result.users.failed, mode).toBe(failed);
      expect(usernames(state), mode).toEqual(mode === 'hard' ? ['new'] : ['old-1796025600.0 (deleted)']);
    }
  });

  it('fails what the columns cannot hold, and case- or accent-insensitive duplicates, record by record', () => {
    const state = empty();
    const result = applySyncAnswer(
      state,
      answer([
        user('ok'),
        user('x', { company: 'c'.repeat(21) }),
        user('OK '),
        user('Ök'),
        user('y', { email: 'OK@X.TEST' }),
        user('z', { gender: 'g'.repeat(11) }),
        user(''),
        'text',
        user('w', { phone2: { n: 1 } }),
      ]),
      options(),
    );
    expect(usernames(state)).toEqual(['ok']);
    expect(result.users.failed).toBe(8);
    expect(result.failures.map((f) => f.key)).toEqual(['user_info_list[6]', 'user_info_list[7]', 'x', 'OK ', 'Ök', 'y', 'z', 'w']);
  });

  it('fails the simulated records, deletions included', () => {
    const state = empty();
    applySyncAnswer(state, answer([user('a'), user('b')]), options());
    const result = applySyncAnswer(state, answer([user('a', { nick_name: 'new' })]), options({ fail: { users: new Set(['a', 'b']), groups: new Set() } }));
    expect(result.failures).toEqual([
      { type: 'user', key: 'b', reason: 'simulated failure (deletion not applied)' },
      { type: 'user', key: 'a', reason: 'simulated failure' },
    ]);
    expect(usernames(state)).toEqual(['a', 'b']);
    expect(state.users.get(1)?.nick_name).toBe('a');
  });

  it('refuses an answer of the wrong shape without changing anything', () => {
    const state = empty();
    for (const bad of [null, [], { status: 'fail', message: 'm' }, { status: 'ok' }, { status: 'success', user_info_list: [] }]) {
      expect(() => applySyncAnswer(state, bad, options())).toThrow(MalformedAnswerError);
    }
    expect(state.users.size).toBe(0);
  });
});
