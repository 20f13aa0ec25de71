import type { GroupRecord, UserRecord } from '#app/hr-source';
import { USER_FIELDS } from '#app/omflow-contract';
import type { OmflowGroupRow, OmflowUserRow } from './omflow-answers.js';

/**
 * The comparison of what OMFLOW holds with a snapshot, as pure functions over records: the
 * service feeds them page by page and keeps only the counts and a few samples of each kind of
 * difference (RECONCILE_SAMPLES).
 */

/**
 * The user fields compared: what OMFLOW stores from `/sync`, the default department, and the
 * departments the person is a member of (the `user_list`s of `/sync`).
 */
export const COMPARED_USER_FIELDS = [...USER_FIELDS, 'default_group', 'groups'] as const;
export type ComparedUserField = (typeof COMPARED_USER_FIELDS)[number];
export const COMPARED_GROUP_FIELDS = ['display_name', 'parent_group_no'] as const;
export type ComparedGroupField = (typeof COMPARED_GROUP_FIELDS)[number];

/**
 * How OMFLOW matches a username or a department code: case-insensitively and ignoring trailing
 * spaces, as its MySQL collations compare (`utf8mb4_*_ci`, PAD SPACE).
 */
export function matchKey(value: string): string {
  return value.replace(/ +$/, '').toLowerCase();
}

/** One field that differs: what the snapshot says, and what OMFLOW holds. */
export interface FieldDrift {
  field: string;
  expected: string | null;
  actual: string | null;
}

export interface UserSample {
  username: string;
}
export interface UnexpectedUserSample {
  username: string;
  omflowId: number;
}
export interface DriftedUserSample {
  username: string;
  omflowId: number;
  fields: FieldDrift[];
}
export interface DepartmentSample {
  groupNo: string;
  displayName: string | null;
}
export interface UnexpectedDepartmentSample extends DepartmentSample {
  omflowId: number;
}
export interface DriftedDepartmentSample {
  groupNo: string;
  omflowId: number;
  fields: FieldDrift[];
}

export interface KindCounts {
  /** In the snapshot OMFLOW pulled. */
  snapshot: number;
  /** In OMFLOW (not deleted). */
  omflow: number;
  /** In the snapshot, not in OMFLOW. */
  missing: number;
  /** In OMFLOW, not in the snapshot. */
  unexpected: number;
  /** In both, with at least one field that differs. */
  drifted: number;
  /** Of the drifted, how many differ in each field. */
  driftByField: Record<string, number>;
}

export interface ReconciliationCounts {
  users: KindCounts & {
    /** Users OMFLOW keeps flagged `delete` (not counted as held). */
    omflowDeleted: number;
  };
  departments: KindCounts;
}

export interface ReconciliationSamples {
  missingUsers: UserSample[];
  unexpectedUsers: UnexpectedUserSample[];
  driftedUsers: DriftedUserSample[];
  missingDepartments: DepartmentSample[];
  unexpectedDepartments: UnexpectedDepartmentSample[];
  driftedDepartments: DriftedDepartmentSample[];
}

export function emptyKindCounts(): KindCounts {
  return { snapshot: 0, omflow: 0, missing: 0, unexpected: 0, drifted: 0, driftByField: {} };
}

/** The total of the differences of a comparison. */
export function differenceCount(counts: ReconciliationCounts): number {
  const { users: u, departments: d } = counts;
  return u.missing + u.unexpected + u.drifted + d.missing + d.unexpected + d.drifted;
}

/** Empty text and null are the same value (the bridge holds null, OMFLOW may store ""). */
const norm = (v: string | null | undefined): string | null => (v === undefined || v === null || v === '' ? null : v);

/** The department ids OMFLOW uses, to read `default_group` and `parent_group_id` as department codes. */
export type GroupCodes = ReadonlyMap<number, string>;

/**
 * OMFLOW's `default_group` as a department code: a code as it is; an OMFLOW department id (a
 * number, as OMFLOW's own database holds it) through the department list; an id it does not
 * list as `#<id>`.
 */
export function defaultGroupCode(value: string | number | null, codes: GroupCodes, knownCodes: ReadonlySet<string>): string | null {
  if (value === null || value === '') return null;
  if (typeof value === 'number') return codes.get(value) ?? `#${value}`;
  if (knownCodes.has(value) || !/^\d+$/.test(value)) return value;
  return codes.get(Number(value)) ?? value;
}

/** A set of department codes as OMFLOW compares them, in a stable order, as one text (null: none). */
function membershipText(codes: readonly string[]): string | null {
  const keys = [...new Set(codes.map(matchKey))].sort();
  return keys.length ? keys.join(', ') : null;
}

/**
 * The fields of a user that differ between the snapshot and OMFLOW; `actualGroups`: the
 * departments OMFLOW lists the user in (undefined: not compared).
 */
export function userDrift(expected: UserRecord, actual: OmflowUserRow, actualDefaultGroup: string | null, actualGroups?: readonly string[]): FieldDrift[] {
  const out: FieldDrift[] = [];
  for (const field of USER_FIELDS) {
    const e = norm(expected[field]);
    const a = norm(actual[field]);
    if (e !== a) out.push({ field, expected: e, actual: a });
  }
  // `/sync` lists departments with their members, never which one is a person's primary, so
  // OMFLOW picks the default among them by its own rule (the OMFLOW emulator: the first department
  // of the answer that lists them). A default that is one of the person's departments is what
  // OMFLOW could know; one outside them (or none while they have some) is drift.
  const e = norm(expected.groups[0] ?? null);
  const a = norm(actualDefaultGroup);
  const possible = new Set(expected.groups.map(matchKey));
  const agrees = a === null ? e === null : possible.has(matchKey(a));
  if (!agrees) out.push({ field: 'default_group', expected: e, actual: a });
  if (actualGroups) {
    const eg = membershipText(expected.groups);
    const ag = membershipText(actualGroups);
    if (eg !== ag) out.push({ field: 'groups', expected: eg, actual: ag });
  }
  return out;
}

/** The fields of a department that differ (its parent read as a code through OMFLOW's ids). */
export function groupDrift(expected: GroupRecord, actual: OmflowGroupRow, codes: GroupCodes): FieldDrift[] {
  const out: FieldDrift[] = [];
  if (norm(expected.display_name) !== norm(actual.display_name))
    out.push({ field: 'display_name', expected: norm(expected.display_name), actual: norm(actual.display_name) });
  const parent = actual.parent_group_id === null ? null : (codes.get(actual.parent_group_id) ?? `#${actual.parent_group_id}`);
  const expectedParent = norm(expected.parent_group_no);
  // OMFLOW finds a parent by its code as it finds any department: case-insensitively.
  if ((expectedParent === null ? null : matchKey(expectedParent)) !== (parent === null ? null : matchKey(parent)))
    out.push({ field: 'parent_group_no', expected: norm(expected.parent_group_no), actual: parent });
  return out;
}

/** Counts and samples of one comparison, filled as its pages are compared. */
export class Reconciliation {
  readonly counts: ReconciliationCounts = { users: { ...emptyKindCounts(), omflowDeleted: 0 }, departments: emptyKindCounts() };
  readonly samples: ReconciliationSamples = {
    missingUsers: [],
    unexpectedUsers: [],
    driftedUsers: [],
    missingDepartments: [],
    unexpectedDepartments: [],
    driftedDepartments: [],
  };

  constructor(private readonly maxSamples: number) {}

  private sample<T>(list: T[], item: () => T): void {
    if (list.length < this.maxSamples) list.push(item());
  }

  missingUser(username: string): void {
    this.counts.users.missing++;
    this.sample(this.samples.missingUsers, () => ({ username }));
  }

  unexpectedUser(row: OmflowUserRow): void {
    this.counts.users.unexpected++;
    this.sample(this.samples.unexpectedUsers, () => ({ username: row.username, omflowId: row.id }));
  }

  driftedUser(row: OmflowUserRow, fields: FieldDrift[]): void {
    if (!fields.length) return;
    this.counts.users.drifted++;
    for (const f of fields) this.counts.users.driftByField[f.field] = (this.counts.users.driftByField[f.field] ?? 0) + 1;
    this.sample(this.samples.driftedUsers, () => ({ username: row.username, omflowId: row.id, fields }));
  }

  missingDepartment(group: GroupRecord): void {
    this.counts.departments.missing++;
    this.sample(this.samples.missingDepartments, () => ({ groupNo: group.group_no, displayName: group.display_name }));
  }

  unexpectedDepartment(row: OmflowGroupRow): void {
    this.counts.departments.unexpected++;
    this.sample(this.samples.unexpectedDepartments, () => ({ groupNo: row.group_no, displayName: row.display_name, omflowId: row.id }));
  }

  driftedDepartment(row: OmflowGroupRow, fields: FieldDrift[]): void {
    if (!fields.length) return;
    this.counts.departments.drifted++;
    for (const f of fields) this.counts.departments.driftByField[f.field] = (this.counts.departments.driftByField[f.field] ?? 0) + 1;
    this.sample(this.samples.driftedDepartments, () => ({ groupNo: row.group_no, omflowId: row.id, fields }));
  }

  /**
   * The departments: OMFLOW's list (whole: a few thousand at most) against the snapshot's. A
   * department OMFLOW lists twice (by case-insensitive code) counts as unexpected the second time.
   */
  compareDepartments(snapshot: Iterable<GroupRecord>, omflow: readonly OmflowGroupRow[], codes: GroupCodes): void {
    const expected = new Map<string, GroupRecord>();
    for (const group of snapshot) expected.set(matchKey(group.group_no), group);
    this.counts.departments.snapshot = expected.size;
    this.counts.departments.omflow = omflow.length;
    for (const row of omflow) {
      const key = matchKey(row.group_no);
      const group = expected.get(key);
      if (!group) {
        this.unexpectedDepartment(row);
        continue;
      }
      expected.delete(key);
      this.driftedDepartment(row, groupDrift(group, row, codes));
    }
    for (const group of expected.values()) this.missingDepartment(group);
  }
}
