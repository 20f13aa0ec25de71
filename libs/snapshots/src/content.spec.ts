import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { UserRecord } from '#app/hr-source';
import { USER_FIELDS } from '#app/omflow-contract';
import { groupHash, userHash } from './content.js';

/** The digests as the first snapshots stored them: a Hash object fed field by field. */
function storedUserHash(user: UserRecord): string {
  const h = createHash('sha1');
  for (const field of USER_FIELDS) h.update(`${user[field] ?? '\u0001'}\u0000`);
  h.update(user.groups.join('\u0002'));
  h.update(`\u0000${user.sourceId}`);
  return h.digest('base64url');
}

describe('content hashes', () => {
  it('are the digests stored versions carry, so that an upgrade rewrites no version', () => {
    const users: UserRecord[] = [
      {
        key: 'k1',
        sourceId: 'e-1',
        username: 'Zhang.San',
        email: 'zhang@example.test',
        nick_name: '张三',
        ad_no: null,
        company: 'ACME',
        phone1: '+86 138',
        phone2: null,
        extension_no: '12',
        gender: 'male',
        groups: ['d1', 'd2'],
      },
      {
        key: 'k2',
        sourceId: 'e-2',
        username: 'u',
        email: null,
        nick_name: null,
        ad_no: null,
        company: null,
        phone1: null,
        phone2: null,
        extension_no: null,
        gender: null,
        groups: [],
      },
    ];
    for (const user of users) expect(userHash(user)).toBe(storedUserHash(user));
    expect(userHash(users[0])).not.toBe(userHash({ ...users[0], groups: ['d2', 'd1'] }));
    expect(groupHash({ group_no: 'd1', display_name: '研发', parent_group_no: null })).toBe(
      createHash('sha1').update('d1\u0000研发\u0000\u0001').digest('base64url'),
    );
  });
});
