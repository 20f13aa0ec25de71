import { describe, expect, it } from 'vitest';
import { envelopeOf, groupRowsOf, membersOf, OmflowReadError, securityCodeOf, userRowsOf } from './omflow-answers.js';

const ok = (result: unknown) => envelopeOf({ status: 200, message: 'Query successful.', result }, 'call');
const kindOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(OmflowReadError);
    return (error as OmflowReadError).kind;
  }
  return 'accepted';
};

describe("OMFLOW's answers as the read-back accepts them", () => {
  it('reads the envelope, and refuses what is not one', () => {
    expect(envelopeOf({ status: 403, message: 'no', result: null }, 'x')).toEqual({ status: 403, message: 'no', result: null });
    expect(kindOf(() => envelopeOf([], 'x'))).toBe('malformed');
    expect(kindOf(() => envelopeOf({ status: '200' }, 'x'))).toBe('malformed');
  });

  it('takes a security code only where seeds/001 puts it', () => {
    expect(securityCodeOf(ok({ security: '0f8fad5b-d9cb-469f-a165-70867728950e' }))).toBe('0f8fad5b-d9cb-469f-a165-70867728950e');
    expect(kindOf(() => securityCodeOf(ok({})))).toBe('malformed');
    expect(kindOf(() => securityCodeOf(ok({ security: 'a b' })))).toBe('malformed');
  });

  it('reads user rows: text or null fields, numbers as their text, delete as a boolean, ids in order', () => {
    const [user] = userRowsOf(ok([{ id: 3, username: 'ann', email: 'ann@x.test', phone1: 5551234, delete: 1, default_group: 12 }]), 10, 0);
    expect(user).toMatchObject({ id: 3, username: 'ann', email: 'ann@x.test', phone1: '5551234', nick_name: null, delete: true, default_group: 12 });
    expect(kindOf(() => userRowsOf(ok('x'), 10, 0))).toBe('malformed');
    expect(kindOf(() => userRowsOf(ok([{ id: 1, username: '' }]), 10, 0))).toBe('malformed');
    expect(kindOf(() => userRowsOf(ok([{ id: 1, username: 'a', email: {} }]), 10, 0))).toBe('malformed');
    expect(kindOf(() => userRowsOf(ok([{ id: 1, username: 'a', delete: 'yes' }]), 10, 0))).toBe('malformed');
    // Keyset paging: every id after the last one seen, ascending.
    expect(kindOf(() => userRowsOf(ok([{ id: 5, username: 'a' }]), 10, 5))).toBe('malformed');
    expect(
      kindOf(() =>
        userRowsOf(
          ok([
            { id: 6, username: 'a' },
            { id: 6, username: 'b' },
          ]),
          10,
          5,
        ),
      ),
    ).toBe('malformed');
    expect(
      kindOf(() =>
        userRowsOf(
          ok([
            { id: 6, username: 'a' },
            { id: 7, username: 'b' },
          ]),
          1,
          5,
        ),
      ),
    ).toBe('malformed');
  });

  it('reads department rows', () => {
    expect(groupRowsOf(ok([{ id: 1, group_no: 'rd', display_name: 'R&D', parent_group_id: null, description: '' }]), 10, 0)).toEqual([
      { id: 1, group_no: 'rd', display_name: 'R&D', parent_group_id: null },
    ]);
    expect(kindOf(() => groupRowsOf(ok([{ id: 1, display_name: 'R&D' }]), 10, 0))).toBe('malformed');
    expect(kindOf(() => groupRowsOf(ok([{ id: 1, group_no: 'rd', parent_group_id: 'root' }]), 10, 0))).toBe('malformed');
  });

  it('reads the members of list-by-group by department code', () => {
    const members = membersOf(ok({ rd: [{ user: 1, user__username: 'ann', user__nick_name: 'Ann', user__ad_no: null }], sales: [] }), 2);
    expect([...members]).toEqual([
      ['rd', ['ann']],
      ['sales', []],
    ]);
    expect(kindOf(() => membersOf(ok([]), 2))).toBe('malformed');
    expect(kindOf(() => membersOf(ok({ rd: {} }), 2))).toBe('malformed');
    expect(kindOf(() => membersOf(ok({ rd: [{ user: 1 }] }), 2))).toBe('malformed');
    expect(kindOf(() => membersOf(ok({ a: [], b: [], c: [] }), 2))).toBe('malformed');
  });
});
