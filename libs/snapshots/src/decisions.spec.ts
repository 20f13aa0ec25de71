import { describe, expect, it } from 'vitest';
import type { GroupRecord, UserRecord } from '#app/hr-source';
import type { Content, PublishedIndex } from './content.js';
import {
  applyDecision,
  changesOf,
  contentConflicts,
  contradictoryChanges,
  fingerprintOf,
  resolveDecision,
  unknownChanges,
  type DecisionRequest,
  type Resolution,
} from './decisions.js';
import { diffContents } from './diff.js';
import { groupRecord, userRecord } from '../../../test/support/records.js';

const user = userRecord;
const group = groupRecord;
const content = (users: UserRecord[], groups: GroupRecord[]): Content => ({
  users: new Map(users.map((u) => [u.key, u])),
  groups: new Map(groups.map((g) => [g.group_no, g])),
});
const indexOf = (c: Content): PublishedIndex => ({
  users: new Map([...c.users.values()].map((u, i) => [u.key, { id: i + 1, hash: '', username: u.username, email: u.email, department: u.groups[0] ?? null }])),
  groups: new Map([...c.groups.values()].map((g, i) => [g.group_no, { record: g, id: i + 1, hash: '' }])),
});

/**
 * Published: 1, 2 in a; 3, 4 in b (b under a); 5 in c. Candidate: 1 removed, 2 renamed, 3 and 4
 * removed (b emptied), 5 moved to a, department c removed.
 */
const published = content(
  [user('1'), user('2'), user('3', { groups: ['b'] }), user('4', { groups: ['b'] }), user('5', { groups: ['c'] })],
  [group('a'), group('b', 'a'), group('c', 'a')],
);
const candidate = content([user('2', { username: 'two' }), user('5', { groups: ['a'] })], [group('a'), group('b', 'a')]);

async function decide(request: DecisionRequest): Promise<{ resolution: Resolution; next: Content; conflicts: string[] }> {
  const diff = await diffContents(published, candidate);
  const changes = changesOf(diff, indexOf(published), [{ group_no: 'b' }]);
  const resolution = resolveDecision(changes, request);
  const next = applyDecision(candidate, published.users, published.groups, resolution);
  const touched = new Set([...resolution.keptPeople, ...resolution.keptDepartmentsOf, ...resolution.keptUsernames]);
  return { resolution, next, conflicts: [...resolution.conflicts, ...contentConflicts(next, { users: touched, groups: resolution.keptDepartments })] };
}

describe('per-change decisions', () => {
  it('lists the changes by kind and key, and names what the run does not have', async () => {
    const diff = await diffContents(published, candidate);
    const changes = changesOf(diff, indexOf(published), [{ group_no: 'b' }]);
    expect([...changes['user-removals']]).toEqual([
      ['u1', '1'],
      ['u3', '3'],
      ['u4', '4'],
    ]);
    expect([...changes.moves.keys()]).toEqual(['5']);
    expect([...changes.renames.keys()]).toEqual(['2']);
    expect([...changes['group-removals']]).toEqual(['c']);
    expect([...changes['emptied-departments']]).toEqual([['b', ['3', '4']]]);
    const request: DecisionRequest = {
      otherwise: 'reject',
      changes: [
        { kind: 'user-removals', key: 'u9', decision: 'accept' },
        { kind: 'moves', key: '5', decision: 'accept' },
        { kind: 'renames', key: 'u2', decision: 'accept' },
      ],
    };
    expect(unknownChanges(changes, request)).toEqual(['user-removals:u9', 'renames:u2']);
    expect(
      contradictoryChanges({
        otherwise: 'reject',
        changes: [
          { kind: 'moves', key: '5', decision: 'accept' },
          { kind: 'moves', key: '5', decision: 'reject' },
        ],
      }),
    ).toEqual(['moves:5']);
  });

  it('accepting everything publishes the candidate as it is', async () => {
    const { resolution, next, conflicts } = await decide({ otherwise: 'accept' });
    expect(conflicts).toEqual([]);
    expect(resolution.counts['user-removals']).toEqual({ accepted: 3, rejected: 0 });
    expect([...next.users.keys()]).toEqual(['2', '5']);
    expect(next).toEqual(candidate);
  });

  it('a rejected removal keeps the published record; the rest is published', async () => {
    const { next, conflicts, resolution } = await decide({
      otherwise: 'accept',
      changes: [{ kind: 'user-removals', key: 'u1', decision: 'reject' }],
    });
    expect(conflicts).toEqual([]);
    expect(next.users.get('1')).toEqual(published.users.get('1'));
    expect(next.users.has('3')).toBe(false);
    expect(next.users.get('2')!.username).toBe('two');
    expect(resolution.rejected['user-removals']).toEqual(['u1']);
  });

  it('rejects by kind; unnamed changes take `otherwise`', async () => {
    const { next, resolution } = await decide({ otherwise: 'reject', kinds: { renames: 'accept', 'emptied-departments': 'accept' } });
    // Removals rejected by default keep 1; b accepted lets 3 and 4 go; the move and c's removal are rejected.
    expect([...next.users.keys()].sort()).toEqual(['1', '2', '5']);
    expect(next.users.get('2')!.username).toBe('two');
    expect(next.users.get('5')!.groups).toEqual(['c']);
    expect(next.groups.has('c')).toBe(true);
    expect(resolution.counts).toMatchObject({ 'user-removals': { accepted: 2, rejected: 1 }, moves: { accepted: 0, rejected: 1 } });
  });

  it('rejecting an emptied department keeps its people over the kind of their removal', async () => {
    const { next, conflicts } = await decide({ otherwise: 'accept', kinds: { 'user-removals': 'accept', 'emptied-departments': 'reject' } });
    expect(conflicts).toEqual([]);
    expect(next.users.get('3')).toEqual(published.users.get('3'));
    expect(next.users.get('4')).toEqual(published.users.get('4'));
    expect(next.users.has('1')).toBe(false);
  });

  it('names the contradictions: a person kept in a removed department, an accepted removal in a rejected emptied department, a username taken', async () => {
    const kept = await decide({ otherwise: 'accept', kinds: { moves: 'reject' } });
    expect(kept.conflicts).toEqual(['u5 keeps their published departments, but the removal of department c is accepted']);

    const named = await decide({
      otherwise: 'accept',
      kinds: { 'emptied-departments': 'reject' },
      changes: [{ kind: 'user-removals', key: 'u3', decision: 'accept' }],
    });
    expect(named.conflicts).toEqual(['the removal of u3 is accepted, but their emptied department b is rejected (its people kept)']);

    const diff = await diffContents(published, content([user('2'), user('9', { username: 'u1', email: 'u1@x.test' })], [group('a')]));
    const resolution = resolveDecision(changesOf(diff, indexOf(published), []), {
      otherwise: 'accept',
      changes: [{ kind: 'user-removals', key: 'u1', decision: 'reject' }],
    });
    const next = applyDecision(
      content([user('2'), user('9', { username: 'u1', email: 'u1@x.test' })], [group('a')]),
      published.users,
      published.groups,
      resolution,
    );
    expect(contentConflicts(next, { users: resolution.keptPeople, groups: new Set() })).toEqual([
      'username "u1" would be held by two people (9 and 1): a person kept with their published username meets a new holder',
      'email "u1@x.test" would be held by two people (9 and 1): a person kept with their published email meets a new holder',
    ]);
  });

  it('a kept department whose parent goes is a conflict', async () => {
    const before = content([user('1')], [group('a'), group('x', 'a'), group('y', 'x')]);
    const after = content([user('1')], [group('a')]);
    const resolution = resolveDecision(changesOf(await diffContents(before, after), indexOf(before), []), {
      otherwise: 'accept',
      changes: [{ kind: 'group-removals', key: 'y', decision: 'reject' }],
    });
    const next = applyDecision(after, before.users, before.groups, resolution);
    expect(contentConflicts(next, { users: new Set(), groups: resolution.keptDepartments })).toEqual([
      'department y is kept, but the removal of its parent department x is accepted',
    ]);
  });

  it('two decisions doing the same have the same fingerprint', async () => {
    const byKind = await decide({ otherwise: 'accept', kinds: { renames: 'reject' } });
    const byChange = await decide({ otherwise: 'accept', changes: [{ kind: 'renames', key: '2', decision: 'reject' }] });
    const other = await decide({ otherwise: 'accept' });
    expect(fingerprintOf(byKind.resolution)).toBe(fingerprintOf(byChange.resolution));
    expect(fingerprintOf(other.resolution)).not.toBe(fingerprintOf(byKind.resolution));
  });
});
