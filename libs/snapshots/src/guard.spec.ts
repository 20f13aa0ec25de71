import { describe, expect, it } from 'vitest';
import type { DiffSummary } from './diff.js';
import { evaluateGuard, limitOf, type GuardPolicy } from './guard.js';

const policy: GuardPolicy = {
  userRemovals: { max: 500, percent: 20 },
  groupRemovals: { max: 100, percent: 20 },
  moves: { max: 500, percent: 20 },
  holdRenames: true,
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
});
