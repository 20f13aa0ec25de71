import { describe, expect, it } from 'vitest';
import type { DiffSummary } from './diff.js';
import { emptiedDepartments, evaluateGuard, limitOf, membersPerDepartment, type DepartmentMembers, type GuardPolicy } from './guard.js';

const policy: GuardPolicy = {
  userRemovals: { max: 500, percent: 20 },
  groupRemovals: { max: 100, percent: 20 },
  moves: { max: 500, percent: 20 },
  holdRenames: true,
  holdEmptiedDepartments: 5,
};
const summary = (over: Partial<{ removed: number; groupsRemoved: number; moves: number; renames: number }>): DiffSummary => ({
  users: { added: 0, removed: over.removed ?? 0, changed: 0 },
  groups: { added: 0, removed: over.groupsRemoved ?? 0, changed: 0 },
  renames: over.renames ?? 0,
  moves: over.moves ?? 0,
});

describe('the deletion guard', () => {
  it('uses min(max, percent) of the published count, as Entra Connect (500) and Okta (20%) do', () => {
    expect(limitOf(policy.userRemovals, 100_000)).toBe(500);
    expect(limitOf(policy.userRemovals, 1000)).toBe(200);
    expect(limitOf(policy.userRemovals, 3)).toBe(1);
  });

  it('holds a run that removes more than the limit, and not one at the limit', () => {
    expect(evaluateGuard(summary({ removed: 200 }), { users: 1000, groups: 10 }, policy)).toEqual([]);
    expect(evaluateGuard(summary({ removed: 201 }), { users: 1000, groups: 10 }, policy)).toEqual([
      expect.objectContaining({ kind: 'user-removals', count: 201, limit: 200 }),
    ]);
  });

  it('holds department removals, moves and renames separately', () => {
    const reasons = evaluateGuard(summary({ groupsRemoved: 5, moves: 300, renames: 1 }), { users: 1000, groups: 10 }, policy);
    expect(reasons.map((r) => r.kind)).toEqual(['group-removals', 'moves', 'renames']);
  });

  it('never holds the first publish: there is nothing to protect', () => {
    expect(evaluateGuard(summary({ removed: 0, renames: 0 }), null, policy)).toEqual([]);
  });

  describe('emptied departments', () => {
    /** `before`/`after`: each person's default department, one entry per person. */
    const members = (before: string[], after: string[]): DepartmentMembers => ({
      before: membersPerDepartment(before),
      after: membersPerDepartment(after),
      names: new Map([
        ['fin', 'Finance'],
        ['rd', 'R&D'],
        ['ops', 'Operations'],
      ]),
    });
    const people = (code: string, n: number): string[] => Array<string>(n).fill(code);
    const published = { users: 1000, groups: 10 };

    it('counts each person once, in their default department, and skips people without one', () => {
      expect(membersPerDepartment(['rd', 'fin', 'rd', null, undefined])).toEqual(new Map([['rd', 2], ['fin', 1]]));
    });

    it('holds a run that leaves a department of at least the threshold with no one, whatever the totals', () => {
      const m = members([...people('fin', 15), ...people('rd', 985)], people('rd', 985));
      const reasons = evaluateGuard(summary({ removed: 15 }), published, policy, m);
      expect(reasons).toEqual([
        {
          kind: 'emptied-departments',
          count: 1,
          limit: 5,
          departments: [{ group_no: 'fin', name: 'Finance', before: 15 }],
          message: '1 department(s) of at least 5 people would lose all their members: Finance (fin, 15)',
        },
      ]);
    });

    it('holds at exactly the threshold, not below it, and never at 0 (off)', () => {
      const at = members([...people('fin', 5), ...people('rd', 10)], people('rd', 10));
      expect(emptiedDepartments(at, 5)).toEqual([{ group_no: 'fin', name: 'Finance', before: 5 }]);
      expect(emptiedDepartments(at, 6)).toEqual([]);
      expect(emptiedDepartments(at, 0)).toEqual([]);
      expect(evaluateGuard(summary({ removed: 5 }), published, { ...policy, holdEmptiedDepartments: 0 }, at)).toEqual([]);
    });

    it('does not hold a department that shrinks but keeps one member, nor a new one', () => {
      const m = members([...people('fin', 15), ...people('rd', 10)], [...people('fin', 1), ...people('rd', 10), ...people('ops', 3)]);
      expect(evaluateGuard(summary({ removed: 14 }), published, { ...policy, userRemovals: { max: 500, percent: 100 } }, m)).toEqual([]);
    });

    it('counts people moved out as gone from the department (a whole department moved elsewhere is held too)', () => {
      const m = members([...people('fin', 6), ...people('rd', 10)], people('rd', 16));
      expect(emptiedDepartments(m, 5).map((d) => d.group_no)).toEqual(['fin']);
    });

    it('lists every emptied department, largest first, beside the other reasons; unknown names fall back to the code', () => {
      const m = members([...people('fin', 7), ...people('ops', 9), ...people('x9', 5), ...people('rd', 10)], people('rd', 10));
      const reasons = evaluateGuard(summary({ removed: 21, renames: 1 }), published, policy, m);
      expect(reasons.map((r) => r.kind)).toEqual(['renames', 'emptied-departments']);
      expect(reasons[1]).toMatchObject({
        count: 3,
        departments: [
          { group_no: 'ops', name: 'Operations', before: 9 },
          { group_no: 'fin', name: 'Finance', before: 7 },
          { group_no: 'x9', name: 'x9', before: 5 },
        ],
      });
    });

    it('never holds the first publish', () => {
      expect(evaluateGuard(summary({}), null, policy, members([], people('rd', 3)))).toEqual([]);
    });
  });
});
