import { describe, expect, it } from 'vitest';
import type { GroupRecord, UserRecord } from '#app/hr-source';
import { USER_FIELDS } from '#app/omflow-contract';
import type { LoadedContent } from './content.js';
import { viewChange } from './snapshot-publisher.service.js';

const user = (key: string, groups: string[]): UserRecord =>
  ({ key, sourceId: key, ...Object.fromEntries(USER_FIELDS.map((f) => [f, null])), username: key, groups }) as UserRecord;
const group = (code: string): GroupRecord => ({ group_no: code, display_name: code, parent_group_no: null });

function loaded(users: [string, number, string, string[]][], groups: [string, number, string][]): LoadedContent {
  return {
    users: new Map(users.map(([key, id, hash, g]) => [key, { record: user(key, g), id, hash }])),
    groups: new Map(groups.map(([code, id, hash]) => [code, { record: group(code), id, hash }])),
  };
}

describe('viewChange', () => {
  it('changes the whole view on a first publish', async () => {
    const next = loaded(
      [
        ['a', 1, 'h1', ['rd']],
        ['b', 2, 'h2', []],
      ],
      [['rd', 1, 'g1']],
    );
    const fresh = { personIds: new Set([1, 2]), departmentIds: new Set([1]) };
    expect(await viewChange({ snapshotId: 1, content: next, fresh }, null)).toEqual({
      personIds: [1, 2],
      removedPersonIds: [],
      departmentIds: [1],
      removedDepartmentIds: [],
      memberships: new Map([
        [1, ['rd']],
        [2, []],
      ]),
      fresh,
    });
  });

  it('touches only what differs from the published snapshot: changed, new and gone rows', async () => {
    const published = loaded(
      [
        ['same', 1, 'h1', ['rd']],
        ['changed', 2, 'h2', ['rd']],
        ['gone', 3, 'h3', ['rd']],
      ],
      [
        ['rd', 1, 'g1'],
        ['old', 2, 'g2'],
        ['renamed', 3, 'g3'],
      ],
    );
    const next = loaded(
      [
        ['same', 1, 'h1', ['rd']],
        ['changed', 2, 'h2b', ['rd', 'new']],
        ['new', 4, 'h4', ['new']],
      ],
      [
        ['rd', 1, 'g1'],
        ['renamed', 3, 'g3b'],
        ['new', 4, 'g4'],
      ],
    );
    const change = await viewChange({ snapshotId: 2, content: next }, published);
    expect(change).toMatchObject({ personIds: [2, 4], removedPersonIds: [3], departmentIds: [3, 4], removedDepartmentIds: [2], fresh: undefined });
    expect([...change.memberships]).toEqual([
      [2, ['rd', 'new']],
      [4, ['new']],
    ]);
  });
});
