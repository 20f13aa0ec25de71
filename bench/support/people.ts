import { writeFileSync } from 'node:fs';
import type { DataSource, EntityManager } from 'typeorm';

/**
 * Inserts `users` people (user1…userN, 100 departments, one membership each) straight into
 * person/department/person_group of a migrated bridge database: the query benchmarks' data,
 * without the minutes a sync of that size takes. `user<N>` has nick name `Wei <N>` every 100th.
 */
export async function populate(dataSource: DataSource, users: number): Promise<void> {
  const now = new Date().toISOString().replace('T', ' ').replace('Z', '');
  const insert = async (m: EntityManager, table: string, columns: string[], rows: unknown[][]) => {
    const per = Math.floor(30_000 / columns.length);
    for (let i = 0; i < rows.length; i += per) {
      const chunk = rows.slice(i, i + per);
      await m.query(
        `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${chunk.map(() => `(${columns.map(() => '?').join(', ')})`).join(', ')}`,
        chunk.flat(),
      );
    }
  };
  await dataSource.transaction(async (m) => {
    const departments = Array.from({ length: 100 }, (_, i) => [i + 1, `dept-${i + 1}`, 'active', `Department ${i + 1}`, i ? 'dept-1' : null, now, now]);
    await insert(m, 'department', ['id', 'group_no', 'state', 'display_name', 'parent_group_no', 'first_seen_at', 'updated_at'], departments);
    const people: unknown[][] = [];
    const memberships: unknown[][] = [];
    for (let i = 1; i <= users; i++) {
      const dept = `dept-${(i % 100) + 1}`;
      people.push([
        i,
        `k${i}`,
        'active',
        `user${i}`,
        `user${i}@bench.test`,
        i % 100 === 0 ? `Wei ${i}` : `Person ${i}`,
        `SN${i}`,
        'ACME',
        null,
        '13800000000',
        null,
        i % 2 ? 'male' : 'female',
        JSON.stringify([dept]),
        dept,
        `emp-${i}`,
        now,
        now,
      ]);
      memberships.push([i, dept, 1]);
    }
    await insert(
      m,
      'person',
      [
        'id',
        'user_key',
        'state',
        'username',
        'email',
        'nick_name',
        'ad_no',
        'company',
        'phone1',
        'phone2',
        'extension_no',
        'gender',
        'groups_json',
        'default_group',
        'source_id',
        'first_seen_at',
        'updated_at',
      ],
      people,
    );
    await insert(m, 'person_group', ['person_id', 'group_no', 'is_default'], memberships);
    // SQLite: the bridge computes the rows' collation keys at its next start (CollationKeyFill).
    if (dataSource.options.type === 'better-sqlite3') await m.query('UPDATE sync_state SET collation_keys = NULL WHERE id = 1');
  });
}

/** An organisation file (the directory's list format, as HR_FILE reads it): `people` employees user0…, one department. */
export function writeOrganisation(path: string, people: number): void {
  const dept = { id: 'bench', name: 'Bench', type: 'CORP', path: '/bench/', display: true };
  const result = Array.from({ length: people }, (_, i) => ({
    id: `emp-${i}`,
    type: 'EMPLOYEE',
    domain_id: 'bench',
    org_code: 'bench',
    display_name: `User ${i}`,
    name: `User ${i}`,
    gender: 'MALE',
    email: `user${i}@bench.test`,
    status: 'ACTIVATED',
    sn: `SN${i}`,
    user_id: `u${i}`,
    username: `user${i}`,
    mobile: '13800000000',
    locked: false,
    positions: [{ id: `pos-${i}`, org_id: 'bench', path: '/bench/', job_title: 'Engineer', primary: true, display_nodes: [dept] }],
    root_org_info: { id: 'bench', name: 'Bench', type: 'O', path: '/bench/', display: true },
  }));
  writeFileSync(path, JSON.stringify({ status: 0, message: 'ok', result, tree: [{ id: 'bench', name: 'Bench', path: '/bench/' }] }));
}
