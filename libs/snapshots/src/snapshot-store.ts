import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { isMysql, toSqlDateTime, fromSqlDateTime } from '#app/database';
import type { GroupRecord, UserRecord } from '#app/hr-source';
import { USER_FIELDS } from '#app/omflow-contract';
import { groupHash, userHash, type Content } from './content.js';
import { inChunks, insertRows } from './sql.js';

/** Where the chain of snapshots ends: the latest snapshot and its valid rows' identities and hashes. */
export interface ChainHead {
  snapshotId: number | null;
  users: Map<string, { personId: number; hash: string }>;
  groups: Map<string, { departmentId: number; hash: string }>;
}

/** A snapshot's content with its stable numbers and stored hashes. */
export type LoadedContent = Content & {
  personIds: Map<string, number>;
  departmentIds: Map<string, number>;
  userHashes: Map<string, string>;
  groupHashes: Map<string, string>;
};

/** The chain head is the content of its newest snapshot: derive it instead of reading it twice. */
export function headOf(snapshotId: number, content: LoadedContent): ChainHead {
  const users = new Map<string, { personId: number; hash: string }>();
  for (const [key, personId] of content.personIds) users.set(key, { personId, hash: content.userHashes.get(key)! });
  const groups = new Map<string, { departmentId: number; hash: string }>();
  for (const [code, departmentId] of content.departmentIds) groups.set(code, { departmentId, hash: content.groupHashes.get(code)! });
  return { snapshotId, users, groups };
}

export interface WrittenSnapshot {
  snapshotId: number;
  changedRows: number;
  personIds: Map<string, number>;
  departmentIds: Map<string, number>;
  /** People and departments first created by this snapshot: their rows already hold its values. */
  freshPersonIds: Set<number>;
  freshDepartmentIds: Set<number>;
}

export function hashesOf(content: Content): { users: Map<string, string>; groups: Map<string, string> } {
  const users = new Map<string, string>();
  for (const user of content.users.values()) users.set(user.key, userHash(user));
  const groups = new Map<string, string>();
  for (const group of content.groups.values()) groups.set(group.group_no, groupHash(group));
  return { users, groups };
}

export interface SnapshotRow {
  id: number;
  runId: number | null;
  parentId: number | null;
  createdAt: Date;
  userCount: number;
  groupCount: number;
  changedRows: number;
  publishedAt: Date | null;
  note: string | null;
}

export interface PublishedState {
  snapshotId: number | null;
  publishedAt: Date | null;
  etag: string | null;
  bytes: number | null;
  chunks: number | null;
  lastPullAt: Date | null;
  lastPullClient: string | null;
  lastPullSnapshotId: number | null;
}

type Row = Record<string, unknown>;
const USER_COLUMNS = [...USER_FIELDS, 'groups_json', 'default_group', 'source_id'] as const;
const PAYLOAD_CHUNK = 512 * 1024;

function rowToUser(row: Row, key: string): UserRecord {
  return {
    key,
    sourceId: String(row.source_id),
    username: String(row.username),
    email: (row.email as string | null) ?? null,
    nick_name: (row.nick_name as string | null) ?? null,
    ad_no: (row.ad_no as string | null) ?? null,
    company: (row.company as string | null) ?? null,
    phone1: (row.phone1 as string | null) ?? null,
    phone2: (row.phone2 as string | null) ?? null,
    extension_no: (row.extension_no as string | null) ?? null,
    gender: (row.gender as string | null) ?? null,
    groups: JSON.parse(String(row.groups_json)) as string[],
  };
}

function userValues(user: UserRecord): unknown[] {
  return [...USER_FIELDS.map((f) => user[f]), JSON.stringify(user.groups), user.groups[0] ?? null, user.sourceId];
}

/** Rows valid in snapshot `s`: `from <= s AND (to IS NULL OR to > s)`. */
const VALID_IN = '`from_snapshot` <= ? AND (`to_snapshot` IS NULL OR `to_snapshot` > ?)';

/**
 * Persistence of snapshots: versioned users and departments, stable person and department
 * numbers, the published pointer and its prepared `/sync` payload. Every method that writes
 * takes the EntityManager of the caller's transaction.
 */
@Injectable()
export class SnapshotStore {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  get db(): EntityManager {
    return this.dataSource.manager;
  }

  async head(): Promise<ChainHead> {
    const last = await this.db.query<Row[]>('SELECT MAX(id) AS id FROM snapshot');
    const snapshotId = last[0]?.id === null || last[0]?.id === undefined ? null : Number(last[0].id);
    const users = new Map<string, { personId: number; hash: string }>();
    const groups = new Map<string, { departmentId: number; hash: string }>();
    if (snapshotId === null) return { snapshotId, users, groups };
    const userRows = await this.db.query<Row[]>(
      'SELECT p.user_key AS k, v.person_id AS id, v.hash AS h FROM user_version v JOIN person p ON p.id = v.person_id WHERE v.to_snapshot IS NULL',
    );
    for (const r of userRows) users.set(String(r.k), { personId: Number(r.id), hash: String(r.h) });
    const groupRows = await this.db.query<Row[]>('SELECT group_no AS k, department_id AS id, hash AS h FROM group_version WHERE to_snapshot IS NULL');
    for (const r of groupRows) groups.set(String(r.k), { departmentId: Number(r.id), hash: String(r.h) });
    return { snapshotId, users, groups };
  }

  /** A snapshot's whole content, with the stable numbers of its people and departments. */
  async content(snapshotId: number): Promise<LoadedContent> {
    const users = new Map<string, UserRecord>();
    const personIds = new Map<string, number>();
    const userHashes = new Map<string, string>();
    const groupHashes = new Map<string, string>();
    const rows = await this.db.query<Row[]>(
      `SELECT p.user_key AS user_key, v.* FROM user_version v JOIN person p ON p.id = v.person_id WHERE ${VALID_IN.replaceAll('`from', 'v.`from').replaceAll('`to', 'v.`to')} ORDER BY v.person_id`,
      [snapshotId, snapshotId],
    );
    for (const row of rows) {
      const key = String(row.user_key);
      users.set(key, rowToUser(row, key));
      personIds.set(key, Number(row.person_id));
      userHashes.set(key, String(row.hash));
    }
    const groups = new Map<string, GroupRecord>();
    const departmentIds = new Map<string, number>();
    const groupRows = await this.db.query<Row[]>(`SELECT * FROM group_version WHERE ${VALID_IN} ORDER BY department_id`, [snapshotId, snapshotId]);
    for (const row of groupRows) {
      const code = String(row.group_no);
      groups.set(code, { group_no: code, display_name: String(row.display_name), parent_group_no: (row.parent_group_no as string | null) ?? null });
      departmentIds.set(code, Number(row.department_id));
      groupHashes.set(code, String(row.hash));
    }
    return { users, groups, personIds, departmentIds, userHashes, groupHashes };
  }

  /** The newest snapshot's number, or null. */
  async lastSnapshotId(): Promise<number | null> {
    const last = await this.db.query<Row[]>('SELECT MAX(id) AS id FROM snapshot');
    return last[0]?.id === null || last[0]?.id === undefined ? null : Number(last[0].id);
  }

  async snapshot(id: number): Promise<SnapshotRow | null> {
    const rows = await this.db.query<Row[]>('SELECT * FROM snapshot WHERE id = ?', [id]);
    return rows[0] ? toSnapshotRow(rows[0]) : null;
  }

  async listSnapshots(offset: number, limit: number): Promise<{ items: SnapshotRow[]; total: number }> {
    const rows = await this.db.query<Row[]>(`SELECT * FROM snapshot ORDER BY id DESC LIMIT ${Number(limit)} OFFSET ${Number(offset)}`);
    const total = await this.db.query<Row[]>('SELECT COUNT(*) AS n FROM snapshot');
    return { items: rows.map(toSnapshotRow), total: Number(total[0]?.n ?? 0) };
  }

  /**
   * Writes `content` as a new snapshot after the chain head: new versions for what is new or
   * changed, closed versions for what changed or went; unchanged rows are not touched.
   * Must run inside the sync lock (person and department numbers are allocated here).
   */
  async writeSnapshot(
    m: EntityManager,
    head: ChainHead,
    content: Content,
    runId: number | null,
    note: string | null,
    hashes: { users: ReadonlyMap<string, string>; groups: ReadonlyMap<string, string> } = hashesOf(content),
  ): Promise<WrittenSnapshot> {
    const maxId = await m.query<Row[]>('SELECT MAX(id) AS id FROM snapshot');
    const snapshotId = Number(maxId[0]?.id ?? 0) + 1;
    const now = toSqlDateTime();

    // Stable numbers for people and departments seen for the first time.
    const newPeople = [...content.users.values()].filter((u) => !head.users.has(u.key));
    const knownPeople = newPeople.length
      ? new Map(
          (
            await inChunks(
              newPeople.map((u) => u.key),
              500,
              (chunk, ph) => m.query<Row[]>(`SELECT id, user_key FROM person WHERE user_key IN (${ph})`, chunk),
            )
          ).map((r) => [String(r.user_key), Number(r.id)]),
        )
      : new Map<string, number>();
    let nextPerson = Number((await m.query<Row[]>('SELECT MAX(id) AS id FROM person'))[0]?.id ?? 0) + 1;
    const personRows: unknown[][] = [];
    const personIdOf = new Map<string, number>();
    for (const user of newPeople) {
      const known = knownPeople.get(user.key);
      if (known !== undefined) personIdOf.set(user.key, known);
      else {
        personIdOf.set(user.key, nextPerson);
        personRows.push([nextPerson++, user.key, 'pending', ...userValues(user), now, now]);
      }
    }
    await insertRows(m, 'person', ['id', 'user_key', 'state', ...USER_COLUMNS, 'first_seen_at', 'updated_at'], personRows);

    const newGroups = [...content.groups.values()].filter((g) => !head.groups.has(g.group_no));
    const knownDepartments = newGroups.length
      ? new Map(
          (
            await inChunks(
              newGroups.map((g) => g.group_no),
              500,
              (chunk, ph) => m.query<Row[]>(`SELECT id, group_no FROM department WHERE group_no IN (${ph})`, chunk),
            )
          ).map((r) => [String(r.group_no), Number(r.id)]),
        )
      : new Map<string, number>();
    let nextDepartment = Number((await m.query<Row[]>('SELECT MAX(id) AS id FROM department'))[0]?.id ?? 0) + 1;
    const departmentRows: unknown[][] = [];
    const departmentIdOf = new Map<string, number>();
    for (const group of newGroups) {
      const known = knownDepartments.get(group.group_no);
      if (known !== undefined) departmentIdOf.set(group.group_no, known);
      else {
        departmentIdOf.set(group.group_no, nextDepartment);
        departmentRows.push([nextDepartment++, group.group_no, 'pending', group.display_name, group.parent_group_no, now, now]);
      }
    }
    await insertRows(m, 'department', ['id', 'group_no', 'state', 'display_name', 'parent_group_no', 'first_seen_at', 'updated_at'], departmentRows);

    // Versions: close what changed or went, open what is new or changed.
    const closeUsers: number[] = [];
    const openUsers: unknown[][] = [];
    for (const user of content.users.values()) {
      const hash = hashes.users.get(user.key)!;
      const prev = head.users.get(user.key);
      if (prev && prev.hash === hash) continue;
      if (prev) closeUsers.push(prev.personId);
      openUsers.push([prev?.personId ?? personIdOf.get(user.key), snapshotId, null, hash, ...userValues(user)]);
    }
    for (const [key, prev] of head.users) if (!content.users.has(key)) closeUsers.push(prev.personId);
    const closeGroups: number[] = [];
    const openGroups: unknown[][] = [];
    for (const group of content.groups.values()) {
      const hash = hashes.groups.get(group.group_no)!;
      const prev = head.groups.get(group.group_no);
      if (prev && prev.hash === hash) continue;
      if (prev) closeGroups.push(prev.departmentId);
      openGroups.push([
        prev?.departmentId ?? departmentIdOf.get(group.group_no),
        snapshotId,
        null,
        hash,
        group.group_no,
        group.display_name,
        group.parent_group_no,
      ]);
    }
    for (const [code, prev] of head.groups) if (!content.groups.has(code)) closeGroups.push(prev.departmentId);

    await m.query(
      'INSERT INTO snapshot (id, run_id, parent_id, created_at, user_count, group_count, changed_rows, published_at, note) VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?)',
      [
        snapshotId,
        runId,
        head.snapshotId,
        now,
        content.users.size,
        content.groups.size,
        closeUsers.length + openUsers.length + closeGroups.length + openGroups.length,
        note,
      ],
    );
    await inChunks(closeUsers, 1000, (chunk, ph) =>
      m.query<Row[]>(`UPDATE user_version SET to_snapshot = ? WHERE to_snapshot IS NULL AND person_id IN (${ph})`, [snapshotId, ...chunk]),
    );
    await insertRows(m, 'user_version', ['person_id', 'from_snapshot', 'to_snapshot', 'hash', ...USER_COLUMNS], openUsers);
    await inChunks(closeGroups, 1000, (chunk, ph) =>
      m.query<Row[]>(`UPDATE group_version SET to_snapshot = ? WHERE to_snapshot IS NULL AND department_id IN (${ph})`, [snapshotId, ...chunk]),
    );
    await insertRows(m, 'group_version', ['department_id', 'from_snapshot', 'to_snapshot', 'hash', 'group_no', 'display_name', 'parent_group_no'], openGroups);
    const personIds = new Map<string, number>();
    for (const key of content.users.keys()) personIds.set(key, head.users.get(key)?.personId ?? personIdOf.get(key)!);
    const departmentIds = new Map<string, number>();
    for (const code of content.groups.keys()) departmentIds.set(code, head.groups.get(code)?.departmentId ?? departmentIdOf.get(code)!);
    return {
      snapshotId,
      changedRows: closeUsers.length + openUsers.length + closeGroups.length + openGroups.length,
      personIds,
      departmentIds,
      freshPersonIds: new Set(personRows.map((r) => r[0] as number)),
      freshDepartmentIds: new Set(departmentRows.map((r) => r[0] as number)),
    };
  }

  /**
   * Brings the published view (person, department) to snapshot `snapshotId` by copying the
   * versions valid in it for the people and departments that differ from the previous
   * published snapshot (set-based, chunked), marks those that went as deleted, stores the
   * prepared payload and moves the pointer. The caller's transaction makes it one step.
   */
  async publish(
    m: EntityManager,
    snapshotId: number,
    change: {
      personIds: number[];
      removedPersonIds: number[];
      departmentIds: number[];
      removedDepartmentIds: number[];
      memberships: Map<number, string[]>;
      /** Among personIds/departmentIds, those whose rows were created with these very values: only their state changes. */
      freshPersonIds?: ReadonlySet<number>;
      freshDepartmentIds?: ReadonlySet<number>;
    },
    payload: { gzip: Buffer; bytes: number; etag: string },
  ): Promise<void> {
    const now = toSqlDateTime();
    const mysql = this.mysql;
    const copy = USER_COLUMNS.map((c) => (mysql ? `p.\`${c}\` = v.\`${c}\`` : `\`${c}\` = v.\`${c}\``)).join(', ');
    const freshPeople = change.personIds.filter((id) => change.freshPersonIds?.has(id));
    const changedPeople = change.personIds.filter((id) => !change.freshPersonIds?.has(id));
    await inChunks(freshPeople, 5000, (chunk, ph) => m.query<Row[]>(`UPDATE person SET state = 'active', updated_at = ? WHERE id IN (${ph})`, [now, ...chunk]));
    await inChunks(changedPeople, 1000, (chunk, ph) =>
      mysql
        ? m.query<Row[]>(
            `UPDATE person p JOIN user_version v ON v.person_id = p.id AND v.from_snapshot <= ? AND (v.to_snapshot IS NULL OR v.to_snapshot > ?) SET ${copy}, p.state = 'active', p.updated_at = ? WHERE p.id IN (${ph})`,
            [snapshotId, snapshotId, now, ...chunk],
          )
        : m.query<Row[]>(
            `UPDATE person SET ${copy}, state = 'active', updated_at = ? FROM user_version v WHERE v.person_id = person.id AND v.from_snapshot <= ? AND (v.to_snapshot IS NULL OR v.to_snapshot > ?) AND person.id IN (${ph})`,
            [now, snapshotId, snapshotId, ...chunk],
          ),
    );
    await inChunks(change.removedPersonIds, 1000, (chunk, ph) =>
      m.query<Row[]>(`UPDATE person SET state = 'deleted', updated_at = ? WHERE id IN (${ph})`, [now, ...chunk]),
    );
    // Memberships of the changed and removed people are replaced (removed people keep none).
    await inChunks([...change.personIds, ...change.removedPersonIds], 1000, (chunk, ph) =>
      m.query<Row[]>(`DELETE FROM person_group WHERE person_id IN (${ph})`, chunk),
    );
    const memberships: unknown[][] = [];
    for (const personId of change.personIds) (change.memberships.get(personId) ?? []).forEach((code, i) => memberships.push([personId, code, i === 0 ? 1 : 0]));
    await insertRows(m, 'person_group', ['person_id', 'group_no', 'is_default'], memberships);
    const groupCopy = ['display_name', 'parent_group_no'].map((c) => (mysql ? `d.\`${c}\` = v.\`${c}\`` : `\`${c}\` = v.\`${c}\``)).join(', ');
    const freshDepartments = change.departmentIds.filter((id) => change.freshDepartmentIds?.has(id));
    await inChunks(freshDepartments, 5000, (chunk, ph) =>
      m.query<Row[]>(`UPDATE department SET state = 'active', updated_at = ? WHERE id IN (${ph})`, [now, ...chunk]),
    );
    await inChunks(
      change.departmentIds.filter((id) => !change.freshDepartmentIds?.has(id)),
      1000,
      (chunk, ph) =>
        mysql
          ? m.query<Row[]>(
              `UPDATE department d JOIN group_version v ON v.department_id = d.id AND v.from_snapshot <= ? AND (v.to_snapshot IS NULL OR v.to_snapshot > ?) SET ${groupCopy}, d.state = 'active', d.updated_at = ? WHERE d.id IN (${ph})`,
              [snapshotId, snapshotId, now, ...chunk],
            )
          : m.query<Row[]>(
              `UPDATE department SET ${groupCopy}, state = 'active', updated_at = ? FROM group_version v WHERE v.department_id = department.id AND v.from_snapshot <= ? AND (v.to_snapshot IS NULL OR v.to_snapshot > ?) AND department.id IN (${ph})`,
              [now, snapshotId, snapshotId, ...chunk],
            ),
    );
    await inChunks(change.removedDepartmentIds, 1000, (chunk, ph) =>
      m.query<Row[]>(`UPDATE department SET state = 'deleted', updated_at = ? WHERE id IN (${ph})`, [now, ...chunk]),
    );

    await m.query('DELETE FROM sync_payload_chunk WHERE snapshot_id = ?', [snapshotId]);
    let seq = 0;
    for (let i = 0; i < payload.gzip.length; i += PAYLOAD_CHUNK) {
      await m.query('INSERT INTO sync_payload_chunk (snapshot_id, seq, data) VALUES (?, ?, ?)', [
        snapshotId,
        seq++,
        payload.gzip.subarray(i, i + PAYLOAD_CHUNK),
      ]);
    }
    await m.query('DELETE FROM sync_payload_chunk WHERE snapshot_id <> ?', [snapshotId]);
    await m.query('UPDATE sync_state SET published_snapshot_id = ?, published_at = ?, payload_etag = ?, payload_bytes = ?, payload_chunks = ? WHERE id = 1', [
      snapshotId,
      now,
      payload.etag,
      payload.bytes,
      seq,
    ]);
    await m.query('UPDATE snapshot SET published_at = ? WHERE id = ? AND published_at IS NULL', [now, snapshotId]);
  }

  private get mysql(): boolean {
    return isMysql(this.dataSource.options);
  }

  async publishedState(): Promise<PublishedState> {
    const rows = await this.db.query<Row[]>('SELECT * FROM sync_state WHERE id = 1');
    const r = rows[0] ?? {};
    return {
      snapshotId: r.published_snapshot_id === null || r.published_snapshot_id === undefined ? null : Number(r.published_snapshot_id),
      publishedAt: fromSqlDateTime(r.published_at),
      etag: (r.payload_etag as string | null) ?? null,
      bytes: r.payload_bytes === null || r.payload_bytes === undefined ? null : Number(r.payload_bytes),
      chunks: r.payload_chunks === null || r.payload_chunks === undefined ? null : Number(r.payload_chunks),
      lastPullAt: fromSqlDateTime(r.last_pull_at),
      lastPullClient: (r.last_pull_client as string | null) ?? null,
      lastPullSnapshotId: r.last_pull_snapshot_id === null || r.last_pull_snapshot_id === undefined ? null : Number(r.last_pull_snapshot_id),
    };
  }

  /** The cheap per-request check: which snapshot and payload are published now. */
  async publishedPointer(): Promise<{ snapshotId: number; etag: string } | null> {
    const rows = await this.db.query<Row[]>('SELECT published_snapshot_id AS s, payload_etag AS e FROM sync_state WHERE id = 1');
    const r = rows[0];
    return r && r.s !== null && r.s !== undefined && r.e ? { snapshotId: Number(r.s), etag: r.e as string } : null;
  }

  async payload(snapshotId: number): Promise<Buffer | null> {
    const rows = await this.db.query<Row[]>('SELECT data FROM sync_payload_chunk WHERE snapshot_id = ? ORDER BY seq', [snapshotId]);
    if (!rows.length) return null;
    return Buffer.concat(rows.map((r) => Buffer.from(r.data as Uint8Array)));
  }

  async recordPull(clientId: string, snapshotId: number): Promise<void> {
    await this.db.query('UPDATE sync_state SET last_pull_at = ?, last_pull_client = ?, last_pull_snapshot_id = ? WHERE id = 1', [
      toSqlDateTime(),
      clientId,
      snapshotId,
    ]);
  }

  /** Drops snapshots beyond the newest `keep` (the published one is always kept) and the versions only they used. */
  async applyRetention(m: EntityManager, keep: number): Promise<number> {
    const published = (await m.query<Row[]>('SELECT published_snapshot_id AS s FROM sync_state WHERE id = 1'))[0]?.s;
    const newest = await m.query<Row[]>(`SELECT id FROM snapshot ORDER BY id DESC LIMIT ${Number(keep)}`);
    const kept = new Set<number>(newest.map((r) => Number(r.id)));
    if (published !== null && published !== undefined) kept.add(Number(published));
    const doomed = (await m.query<Row[]>('SELECT id FROM snapshot')).map((r) => Number(r.id)).filter((id) => !kept.has(id));
    if (!doomed.length) return 0;
    const keptList = [...kept];
    // A closed version is needed while some kept snapshot lies in [from, to).
    const needed = keptList.map(() => '(`from_snapshot` <= ? AND `to_snapshot` > ?)').join(' OR ');
    const params = keptList.flatMap((k) => [k, k]);
    await m.query(`DELETE FROM user_version WHERE to_snapshot IS NOT NULL AND NOT (${needed})`, params);
    await m.query(`DELETE FROM group_version WHERE to_snapshot IS NOT NULL AND NOT (${needed})`, params);
    await inChunks(doomed, 500, (chunk, ph) => m.query<Row[]>(`DELETE FROM snapshot WHERE id IN (${ph})`, chunk));
    await m.query(
      'DELETE FROM sync_payload_chunk WHERE snapshot_id NOT IN (SELECT published_snapshot_id FROM sync_state WHERE published_snapshot_id IS NOT NULL)',
    );
    return doomed.length;
  }
}

function toSnapshotRow(r: Row): SnapshotRow {
  return {
    id: Number(r.id),
    runId: r.run_id === null ? null : Number(r.run_id),
    parentId: r.parent_id === null ? null : Number(r.parent_id),
    createdAt: fromSqlDateTime(r.created_at)!,
    userCount: Number(r.user_count),
    groupCount: Number(r.group_count),
    changedRows: Number(r.changed_rows),
    publishedAt: fromSqlDateTime(r.published_at),
    note: (r.note as string | null) ?? null,
  };
}
