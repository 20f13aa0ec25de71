import { describe, expect, it } from 'vitest';
import type { UserRecord } from '#app/hr-source';
import { defaultGroupCode, differenceCount, groupDrift, matchKey, Reconciliation, userDrift } from './compare.js';
import type { OmflowGroupRow, OmflowUserRow } from './omflow-answers.js';

const record = (over: Partial<UserRecord> = {}): UserRecord => ({
  key: 'k1',
  sourceId: 'e1',
  username: 'ethan.wilson',
  email: 'ethan@acme.test',
  nick_name: 'Ethan Wilson',
  ad_no: 'SN-1',
  company: null,
  phone1: null,
  phone2: '13800000000',
  extension_no: null,
  gender: 'male',
  groups: ['rd', 'sales'],
  ...over,
});

const row = (over: Partial<OmflowUserRow> = {}): OmflowUserRow => ({
  id: 7,
  delete: false,
  default_group: 'rd',
  username: 'ethan.wilson',
  email: 'ethan@acme.test',
  nick_name: 'Ethan Wilson',
  ad_no: 'SN-1',
  company: '',
  phone1: null,
  phone2: '13800000000',
  extension_no: '',
  gender: 'male',
  ...over,
});

describe('the comparison of OMFLOW with a snapshot', () => {
  it('matches usernames and codes as OMFLOW MySQL collations do: case-insensitive, trailing spaces ignored', () => {
    expect(matchKey('Ethan.Wilson  ')).toBe(matchKey('ethan.wilson'));
    expect(matchKey(' ethan')).not.toBe(matchKey('ethan'));
  });

  it('finds no drift when OMFLOW holds the same values ("" and null are the same)', () => {
    expect(userDrift(record(), row(), 'rd')).toEqual([]);
  });

  it('names each field that differs, with both values, the default department included', () => {
    expect(userDrift(record(), row({ nick_name: 'E. Wilson', email: 'other@acme.test' }), 'hr')).toEqual([
      { field: 'email', expected: 'ethan@acme.test', actual: 'other@acme.test' },
      { field: 'nick_name', expected: 'Ethan Wilson', actual: 'E. Wilson' },
      { field: 'default_group', expected: 'rd', actual: 'hr' },
    ]);
    // A username whose case OMFLOW changed is the same person, drifted.
    expect(userDrift(record(), row({ username: 'Ethan.Wilson' }), 'rd')).toEqual([{ field: 'username', expected: 'ethan.wilson', actual: 'Ethan.Wilson' }]);
  });

  it("accepts as default department any of the person's departments (/sync does not say which is primary), none only without any", () => {
    expect(userDrift(record(), row(), 'sales')).toEqual([]);
    expect(userDrift(record(), row(), 'SALES ')).toEqual([]);
    expect(userDrift(record(), row(), null)).toEqual([{ field: 'default_group', expected: 'rd', actual: null }]);
    expect(userDrift(record({ groups: [] }), row(), null)).toEqual([]);
    expect(userDrift(record({ groups: [] }), row(), 'rd')).toEqual([{ field: 'default_group', expected: null, actual: 'rd' }]);
  });

  it('compares the departments a person is a member of as sets of codes, as OMFLOW matches them', () => {
    expect(userDrift(record(), row(), 'rd', ['SALES', 'rd'])).toEqual([]);
    expect(userDrift(record(), row(), 'rd', ['rd'])).toEqual([{ field: 'groups', expected: 'rd, sales', actual: 'rd' }]);
    expect(userDrift(record(), row(), 'rd', [])).toEqual([{ field: 'groups', expected: 'rd, sales', actual: null }]);
    // Not compared when OMFLOW's memberships were not read.
    expect(userDrift(record(), row(), 'rd')).toEqual([]);
  });

  it('reads default_group as a code, or as an OMFLOW department id through its department list', () => {
    const codes = new Map([[3, 'rd']]);
    const known = new Set(['rd', '42']);
    expect(defaultGroupCode('rd', codes, known)).toBe('rd');
    expect(defaultGroupCode(3, codes, known)).toBe('rd');
    expect(defaultGroupCode('3', codes, known)).toBe('rd');
    expect(defaultGroupCode('42', codes, known)).toBe('42');
    expect(defaultGroupCode(9, codes, known)).toBe('#9');
    expect(defaultGroupCode(null, codes, known)).toBeNull();
  });

  it('compares departments, their parent read through OMFLOW ids', () => {
    const codes = new Map([
      [1, 'root'],
      [2, 'rd'],
    ]);
    const omflow: OmflowGroupRow = { id: 2, group_no: 'rd', display_name: 'R&D', parent_group_id: 1 };
    expect(groupDrift({ group_no: 'rd', display_name: 'R&D', parent_group_no: 'root' }, omflow, codes)).toEqual([]);
    expect(groupDrift({ group_no: 'rd', display_name: 'Research', parent_group_no: null }, omflow, codes)).toEqual([
      { field: 'display_name', expected: 'Research', actual: 'R&D' },
      { field: 'parent_group_no', expected: null, actual: 'root' },
    ]);
  });

  it('counts every difference and keeps at most the asked number of samples', () => {
    const rec = new Reconciliation(2);
    for (const name of ['a', 'b', 'c']) rec.missingUser(name);
    rec.unexpectedUser(row({ username: 'stranger', id: 9 }));
    rec.driftedUser(row(), []);
    rec.driftedUser(row(), [{ field: 'nick_name', expected: 'x', actual: 'y' }]);
    expect(rec.counts.users).toMatchObject({ missing: 3, unexpected: 1, drifted: 1, driftByField: { nick_name: 1 } });
    expect(rec.samples.missingUsers).toEqual([{ username: 'a' }, { username: 'b' }]);
    expect(rec.samples.unexpectedUsers).toEqual([{ username: 'stranger', omflowId: 9 }]);
    expect(differenceCount(rec.counts)).toBe(5);
  });

  it('compares the department lists: missing, unexpected, drifted, a code listed twice unexpected the second time', () => {
    const rec = new Reconciliation(10);
    rec.compareDepartments(
      [
        { group_no: 'root', display_name: 'ACME', parent_group_no: null },
        { group_no: 'rd', display_name: 'R&D', parent_group_no: 'root' },
        { group_no: 'gone', display_name: 'Gone', parent_group_no: 'root' },
      ],
      [
        { id: 1, group_no: 'ROOT', display_name: 'ACME', parent_group_id: null },
        { id: 2, group_no: 'rd', display_name: 'Research', parent_group_id: 1 },
        { id: 3, group_no: 'new', display_name: 'New', parent_group_id: 1 },
        { id: 4, group_no: 'Rd', display_name: 'R&D', parent_group_id: 1 },
      ],
      new Map([
        [1, 'ROOT'],
        [2, 'rd'],
      ]),
    );
    // rd's parent is ROOT for OMFLOW, root for the snapshot: the same department to OMFLOW.
    expect(rec.counts.departments).toMatchObject({ snapshot: 3, omflow: 4, missing: 1, unexpected: 2, drifted: 1 });
    expect(rec.counts.departments.driftByField).toEqual({ display_name: 1 });
    expect(rec.samples.unexpectedDepartments.map((d) => d.groupNo)).toEqual(['new', 'Rd']);
    expect(rec.samples.missingDepartments).toEqual([{ groupNo: 'gone', displayName: 'Gone' }]);
  });
});
