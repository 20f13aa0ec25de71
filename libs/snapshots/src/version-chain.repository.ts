import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { fromSqlDateTime, isMysql, toSqlDateTime, TransactionRunner } from '#app/database';
import type { GroupRecord, UserRecord } from '#app/hr-source';
import {
  hashesOf,
  versionedContent,
  type Content,
  type ContentHashes,
  type Identities,
  type Identity,
  type LoadedContent,
  type PublishedIndex,
  type PublishedUser,
  type Versioned,
} from './content.js';
import { BulkIndexes } from './bulk-indexes.js';
import { breathe, inChunks, insertRows } from './sql.js';
import { STORED_USER_COLUMNS, storedValues, userOfRow, type StoredUser } from './stored-user.js';
import { TextKeys } from './text-keys.js';
import { validIn } from './valid-in.js';

/** Where the chain of snapshots ends: the newest snapshot and its valid rows' identities. */
export interface ChainHead {
  snapshotId: number | null;
  users: ReadonlyMap<string, Identity>;
  groups: ReadonlyMap<string, Identity>;
}

/** The chain head is the content of its newest snapshot: derived instead of read twice. */
export function headOf(snapshotId: number, content: Identities): ChainHead {
  return { snapshotId, users: content.users, groups: content.groups };
}

export interface WrittenSnapshot {
  snapshotId: number;
  changedRows: number;
  /** The content written, with the stable numbers of its people and departments. */
  content: LoadedContent;
  /** People and departments first created by this snapshot: their rows already hold its values. */
  fresh: { personIds: ReadonlySet<number>; departmentIds: ReadonlySet<number> };
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

type Id = number | string;
interface MaxIdRow {
  id: Id | null;
}
interface IdentityRow {
  k: string;
  id: Id;
  h: string;
}
type UserVersionRow = StoredUser & { user_key: string; person_id: Id; hash: string };
interface PublishedUserRow {
  k: string;
  id: Id;
  h: string;
  u: string;
  e: string | null;
  d: string | null;
}
interface GroupVersionRow {
  department_id: Id;
  hash: string;
  group_no: string;
  display_name: string;
  parent_group_no: string | null;
}
interface SnapshotDbRow {
  id: Id;
  run_id: Id | null;
  parent_id: Id | null;
  created_at: unknown;
  user_count: Id;
  group_count: Id;
  changed_rows: Id;
  published_at: unknown;
  note: string | null;
}

/** Rows read per statement when a whole snapshot is loaded (bounded memory, short synchronous stretches on SQLite). */
const READ_PAGE = 1000;
/**
 * People or departments written per transaction of a snapshot's write (see `write`): short on
 * SQLite, whose one connection every request queues on while a transaction is open (a login
 * writes three times: 2,000 people a transaction made its p99 during a 100,000-person sync
 * 382 ms, 500 made it 160 ms, for the same sync time; bench:http --only sync); larger on MySQL,
 * whose writes wait on I/O without holding the event loop and where each commit costs a flush.
 */
const WRITE_BATCH = { sqlite: 500, mysql: 5000 } as const;

/** SQLite: from this many new people (and more than `person` has rows), BULK_INDEXES are built after the inserts (BulkIndexes). */
export const BULK_KEY_INDEXES = 2000;

const maxId = (rows: MaxIdRow[]): number | null => (rows[0]?.id === null || rows[0]?.id === undefined ? null : Number(rows[0].id));

/**
 * The version chain: snapshots, the versions of users and departments valid from one snapshot
 * until another, and the stable numbers of people and departments. Snapshots are immutable once
 * written; only retention removes them. `write` commits in short transactions of its own
 * (the snapshot row last); the others take the EntityManager of the caller's transaction. Every
 * method that writes must run under the sync lock.
 */
@Injectable()
export class VersionChain {
  private readonly batch: number;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly tx: TransactionRunner,
    private readonly keys: TextKeys,
    private readonly indexes: BulkIndexes,
  ) {
    this.batch = isMysql(dataSource.options) ? WRITE_BATCH.mysql : WRITE_BATCH.sqlite;
  }

  private get db(): EntityManager {
    return this.dataSource.manager;
  }

  /** The newest snapshot and the identities of the rows still open. */
  async head(): Promise<ChainHead> {
    const snapshotId = await this.lastSnapshotId();
    const users = new Map<string, Identity>();
    const groups = new Map<string, Identity>();
    if (snapshotId === null) return { snapshotId, users, groups };
    await this.pages<IdentityRow>(
      (after) => [
        `SELECT p.user_key AS k, v.person_id AS id, v.hash AS h FROM user_version v JOIN person p ON p.id = v.person_id WHERE v.to_snapshot IS NULL AND v.person_id > ? ORDER BY v.person_id LIMIT ${READ_PAGE}`,
        [after],
      ],
      (r) => {
        users.set(String(r.k), { id: Number(r.id), hash: String(r.h) });
        return Number(r.id);
      },
    );
    await this.pages<IdentityRow>(
      (after) => [
        `SELECT group_no AS k, department_id AS id, hash AS h FROM group_version WHERE to_snapshot IS NULL AND department_id > ? ORDER BY department_id LIMIT ${READ_PAGE}`,
        [after],
      ],
      (r) => {
        groups.set(String(r.k), { id: Number(r.id), hash: String(r.h) });
        return Number(r.id);
      },
    );
    return { snapshotId, users, groups };
  }

  /** A snapshot's whole content, with the stable numbers of its people and departments. */
  async content(snapshotId: number): Promise<LoadedContent> {
    const users = new Map<string, Versioned<UserRecord>>();
    const valid = validIn(snapshotId, 'v');
    await this.pages<UserVersionRow>(
      (after) => [
        `SELECT p.user_key AS user_key, v.* FROM user_version v JOIN person p ON p.id = v.person_id WHERE ${valid.sql} AND v.person_id > ? ORDER BY v.person_id LIMIT ${READ_PAGE}`,
        [...valid.params, after],
      ],
      (row) => {
        const key = String(row.user_key);
        users.set(key, { record: userOfRow(row, key), id: Number(row.person_id), hash: String(row.hash) });
        return Number(row.person_id);
      },
    );
    return { users, groups: await this.groups(snapshotId) };
  }

  /**
   * A snapshot as a sync run compares with it: every person's key, stable number, hash, username,
   * email and default department (not the whole record), every department whole. In stable-number order.
   */
  async index(snapshotId: number): Promise<PublishedIndex> {
    const users = new Map<string, PublishedUser>();
    const valid = validIn(snapshotId, 'v');
    await this.pages<PublishedUserRow>(
      (after) => [
        `SELECT p.user_key AS k, v.person_id AS id, v.hash AS h, v.username AS u, v.email AS e, v.default_group AS d FROM user_version v JOIN person p ON p.id = v.person_id WHERE ${valid.sql} AND v.person_id > ? ORDER BY v.person_id LIMIT ${READ_PAGE}`,
        [...valid.params, after],
      ],
      (row) => {
        const id = Number(row.id);
        users.set(String(row.k), { id, hash: String(row.h), username: String(row.u), email: row.e ?? null, department: row.d ?? null });
        return id;
      },
    );
    return { users, groups: await this.groups(snapshotId) };
  }

  /**
   * The whole records, in snapshot `snapshotId`, of the people numbered `ids`, by key, in the
   * order of `ids` (ascending numbers give stable-number order). Read a page of numbers at a time.
   */
  async users(snapshotId: number, ids: readonly number[]): Promise<Map<string, UserRecord>> {
    const valid = validIn(snapshotId, 'v');
    const byId = new Map<number, [string, UserRecord]>();
    for (let i = 0; i < ids.length; i += READ_PAGE) {
      if (i) await breathe(this.db);
      const chunk = ids.slice(i, i + READ_PAGE);
      const rows = await this.db.query<UserVersionRow[]>(
        `SELECT p.user_key AS user_key, v.* FROM user_version v JOIN person p ON p.id = v.person_id WHERE ${valid.sql} AND v.person_id IN (${chunk.map(() => '?').join(', ')})`,
        [...valid.params, ...chunk],
      );
      for (const row of rows) {
        const key = String(row.user_key);
        byId.set(Number(row.person_id), [key, userOfRow(row, key)]);
      }
    }
    const out = new Map<string, UserRecord>();
    for (const id of ids) {
      const found = byId.get(id);
      if (found) out.set(found[0], found[1]);
    }
    return out;
  }

  /** A snapshot's departments, whole, with their stable numbers. */
  async groups(snapshotId: number): Promise<Map<string, Versioned<GroupRecord>>> {
    const groups = new Map<string, Versioned<GroupRecord>>();
    const groupValid = validIn(snapshotId);
    await this.pages<GroupVersionRow>(
      (after) => [
        `SELECT * FROM group_version WHERE ${groupValid.sql} AND department_id > ? ORDER BY department_id LIMIT ${READ_PAGE}`,
        [...groupValid.params, after],
      ],
      (row) => {
        const code = String(row.group_no);
        const record = { group_no: code, display_name: String(row.display_name), parent_group_no: row.parent_group_no ?? null };
        groups.set(code, { record, id: Number(row.department_id), hash: String(row.hash) });
        return Number(row.department_id);
      },
    );
    return groups;
  }

  /**
   * Reads a query page by page (keyset on a stable number, ascending): `page(after)` gives the SQL
   * and parameters of the rows after `after`; `each` takes a row and answers its number. Only a
   * page of raw rows is held at a time, and the event loop runs between pages.
   */
  private async pages<R>(page: (after: number) => [string, unknown[]], each: (row: R) => number): Promise<void> {
    for (let after = 0; ;) {
      const [sql, params] = page(after);
      const rows = await this.db.query<R[]>(sql, params);
      for (const row of rows) after = each(row);
      if (rows.length < READ_PAGE) return;
      await breathe(this.db);
    }
  }

  /**
   * Undoes what a write that never reached its end left behind (a crash, a failure): versions
   * opened by a snapshot that was never recorded are deleted, versions it closed are open again.
   * Must run under the sync lock before the chain head is read.
   */
  async discardUnfinished(): Promise<void> {
    await this.tx.transaction(async (m) => {
      const last = maxId(await m.query<MaxIdRow[]>('SELECT MAX(id) AS id FROM snapshot')) ?? 0;
      for (const table of ['user_version', 'group_version']) {
        await m.query(`DELETE FROM ${table} WHERE from_snapshot > ?`, [last]);
        await m.query(`UPDATE ${table} SET to_snapshot = NULL WHERE to_snapshot > ?`, [last]);
      }
    });
  }

  private async count(table: 'person'): Promise<number> {
    const rows = await this.db.query<{ n: Id }[]>(`SELECT COUNT(*) AS n FROM ${table}`);
    return Number(rows[0]?.n ?? 0);
  }

  /** The newest snapshot's number, or null. */
  async lastSnapshotId(): Promise<number | null> {
    return maxId(await this.db.query<MaxIdRow[]>('SELECT MAX(id) AS id FROM snapshot'));
  }

  async snapshot(id: number): Promise<SnapshotRow | null> {
    const rows = await this.db.query<SnapshotDbRow[]>('SELECT * FROM snapshot WHERE id = ?', [id]);
    return rows[0] ? toSnapshotRow(rows[0]) : null;
  }

  async listSnapshots(offset: number, limit: number): Promise<{ items: SnapshotRow[]; total: number }> {
    const rows = await this.db.query<SnapshotDbRow[]>(`SELECT * FROM snapshot ORDER BY id DESC LIMIT ${Number(limit)} OFFSET ${Number(offset)}`);
    const total = await this.db.query<{ n: Id }[]>('SELECT COUNT(*) AS n FROM snapshot');
    return { items: rows.map(toSnapshotRow), total: Number(total[0]?.n ?? 0) };
  }

  /**
   * Writes `content` as a new snapshot after the chain head: new versions for what is new or
   * changed, closed versions for what changed or went; unchanged rows are not touched. People
   * and departments seen for the first time get their stable numbers here.
   *
   * The write is a series of short transactions (a batch of people each), so that neither the
   * event loop (SQLite answers synchronously) nor the database's writers (SQLite has one) wait
   * for the whole organisation; the snapshot row, committed last with what `within` adds, is
   * what makes the snapshot exist. Until then nothing reads the new versions (every read names a
   * recorded snapshot), and a write that stops half-way is undone by `discardUnfinished()`
   * before the next one. Must run under the sync lock.
   */
  async write(
    head: ChainHead,
    content: Content,
    runId: number | null,
    note: string | null,
    known?: ContentHashes,
    within?: (m: EntityManager) => Promise<void>,
  ): Promise<WrittenSnapshot> {
    const hashes = known ?? (await hashesOf(content));
    await this.discardUnfinished();
    const snapshotId = (maxId(await this.db.query<MaxIdRow[]>('SELECT MAX(id) AS id FROM snapshot')) ?? 0) + 1;
    const now = toSqlDateTime();

    // The values of a user row, and (SQLite) the collation keys of its texts.
    const keys = this.keys;
    const userColumns = [...STORED_USER_COLUMNS, ...keys.userColumns];
    const userValues = (user: UserRecord) => [...storedValues(user), ...keys.userKeys(user)];
    const nameKey = (group: GroupRecord) => (keys.stored ? [keys.key(group.display_name)] : []);
    const nameKeyColumn = keys.stored ? ['display_name_key'] : [];

    // Stable numbers for people and departments seen for the first time (or again, after they went).
    const newPeople = [...content.users.values()].filter((u) => !head.users.has(u.key));
    // SQLite, many more new people than rows (the first sync): the secondary indexes are built after the inserts.
    const rebuildIndexes = keys.stored && newPeople.length >= BULK_KEY_INDEXES && newPeople.length > (await this.count('person'));
    if (rebuildIndexes) await this.indexes.drop();
    let people: Awaited<ReturnType<VersionChain['allocate']>>;
    try {
      people = await this.allocate(
        { table: 'person', key: 'user_key', columns: userColumns },
        newPeople.map((user) => ({ key: user.key, values: () => userValues(user), groups: user.groups })),
        now,
      );
    } finally {
      if (rebuildIndexes) await this.indexes.ensure(() => breathe(this.db));
    }
    const departments = await this.allocate(
      { table: 'department', key: 'group_no', columns: ['display_name', 'parent_group_no', ...nameKeyColumn, ...(keys.stored ? ['group_no_key'] : [])] },
      [...content.groups.values()]
        .filter((g) => !head.groups.has(g.group_no))
        .map((group) => ({
          key: group.group_no,
          values: () => [group.display_name, group.parent_group_no, ...nameKey(group), ...(keys.stored ? [keys.key(group.group_no)] : [])],
        })),
      now,
    );

    // Versions: close what changed or went, open what is new or changed.
    const users = versionChanges(head.users, people.ids, content.users, hashes.users, userValues);
    const groups = versionChanges(head.groups, departments.ids, content.groups, hashes.groups, (group) => [
      group.group_no,
      group.display_name,
      group.parent_group_no,
      ...nameKey(group),
    ]);
    const changedRows = users.close.length + users.open.length + groups.close.length + groups.open.length;
    await this.writeVersions('user_version', 'person_id', userColumns, snapshotId, users);
    await this.writeVersions('group_version', 'department_id', ['group_no', 'display_name', 'parent_group_no', ...nameKeyColumn], snapshotId, groups);
    await this.tx.transaction(async (m) => {
      await m.query(
        'INSERT INTO snapshot (id, run_id, parent_id, created_at, user_count, group_count, changed_rows, published_at, note) VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?)',
        [snapshotId, runId, head.snapshotId, now, content.users.size, content.groups.size, changedRows, note],
      );
      if (within) await within(m);
    });
    return {
      snapshotId,
      changedRows,
      content: versionedContent(content, hashes, {
        user: (key) => head.users.get(key)?.id ?? people.ids.get(key)!,
        group: (code) => head.groups.get(code)?.id ?? departments.ids.get(code)!,
      }),
      fresh: { personIds: people.created, departmentIds: departments.created },
    };
  }

  /** Closes and opens versions of a snapshot not yet recorded, a batch per transaction. */
  private async writeVersions(
    table: 'user_version' | 'group_version',
    key: 'person_id' | 'department_id',
    columns: readonly string[],
    snapshotId: number,
    changes: VersionChanges,
  ): Promise<void> {
    for (let i = 0; i < changes.close.length; i += this.batch) {
      const batch = changes.close.slice(i, i + this.batch);
      await this.tx.transaction((m) =>
        inChunks(batch, 500, (chunk, ph) =>
          m.query<unknown[]>(`UPDATE ${table} SET to_snapshot = ? WHERE to_snapshot IS NULL AND ${key} IN (${ph})`, [snapshotId, ...chunk]),
        ),
      );
      await breathe(this.db);
    }
    for (let i = 0; i < changes.open.length; i += this.batch) {
      const rows = changes.open.slice(i, i + this.batch).map((o) => [o.id, snapshotId, null, o.hash, ...o.values()]);
      await this.tx.transaction((m) => insertRows(m, table, [key, 'from_snapshot', 'to_snapshot', 'hash', ...columns], rows));
      await breathe(this.db);
    }
  }

  /** Marks a snapshot as published (its first publish only). */
  async markPublished(m: EntityManager, snapshotId: number, at: string): Promise<void> {
    await m.query('UPDATE snapshot SET published_at = ? WHERE id = ? AND published_at IS NULL', [at, snapshotId]);
  }

  /**
   * Drops the snapshots beyond the newest `keep` (and `published`, always kept) and the closed
   * versions no kept snapshot needs. Answers how many snapshots went.
   */
  async applyRetention(m: EntityManager, keep: number, published: number | null): Promise<number> {
    const newest = await m.query<{ id: Id }[]>(`SELECT id FROM snapshot ORDER BY id DESC LIMIT ${Number(keep)}`);
    const kept = new Set<number>(newest.map((r) => Number(r.id)));
    if (published !== null) kept.add(published);
    const doomed = (await m.query<{ id: Id }[]>('SELECT id FROM snapshot')).map((r) => Number(r.id)).filter((id) => !kept.has(id));
    if (!doomed.length) return 0;
    // A closed version is needed while some kept snapshot holds it.
    const needed = [...kept].map((k) => validIn(k));
    const condition = needed.map((v) => `(${v.sql})`).join(' OR ');
    const params = needed.flatMap((v) => v.params);
    await m.query(`DELETE FROM user_version WHERE to_snapshot IS NOT NULL AND NOT (${condition})`, params);
    await m.query(`DELETE FROM group_version WHERE to_snapshot IS NOT NULL AND NOT (${condition})`, params);
    await inChunks(doomed, 500, (chunk, ph) => m.query<unknown[]>(`DELETE FROM snapshot WHERE id IN (${ph})`, chunk));
    return doomed.length;
  }

  /**
   * The stable numbers of `items` (by their key): the number given before to a key seen before,
   * else a new row, `pending` until a publish, holding the item's values, and for a new person
   * its memberships (`groups`: `person_group` rows, which no reader sees before the person is
   * published; the publish then only has to mark the person active). A batch per transaction: a
   * pending row nobody publishes is harmless, and found again by its key.
   */
  private async allocate(
    into: { table: 'person' | 'department'; key: 'user_key' | 'group_no'; columns: readonly string[] },
    items: { key: string; values: () => unknown[]; groups?: readonly string[] }[],
    now: string,
  ): Promise<{ ids: Map<string, number>; created: Set<number> }> {
    const ids = new Map<string, number>();
    const created = new Set<number>();
    if (!items.length) return { ids, created };
    let next = (maxId(await this.db.query<MaxIdRow[]>(`SELECT MAX(id) AS id FROM ${into.table}`)) ?? 0) + 1;
    for (let i = 0; i < items.length; i += this.batch) {
      const batch = items.slice(i, i + this.batch);
      await this.tx.transaction(async (m) => {
        const known = await inChunks(
          batch.map((item) => item.key),
          500,
          (chunk, ph) => m.query<{ id: Id; k: string }[]>(`SELECT id, ${into.key} AS k FROM ${into.table} WHERE ${into.key} IN (${ph})`, chunk),
        );
        for (const row of known) ids.set(String(row.k), Number(row.id));
        const rows: unknown[][] = [];
        const memberships: unknown[][] = [];
        for (const item of batch) {
          if (ids.has(item.key)) continue;
          ids.set(item.key, next);
          created.add(next);
          item.groups?.forEach((code, i) => memberships.push([next, code, i === 0 ? 1 : 0]));
          rows.push([next++, item.key, 'pending', ...item.values(), now, now]);
        }
        await insertRows(m, into.table, ['id', into.key, 'state', ...into.columns, 'first_seen_at', 'updated_at'], rows);
        await insertRows(m, 'person_group', ['person_id', 'group_no', 'is_default'], memberships);
      });
      await breathe(this.db);
    }
    return { ids, created };
  }
}

interface VersionChanges {
  /** Stable numbers whose open version closes. */
  close: number[];
  /** Versions to open: number, hash, values. */
  open: { id: number; hash: string; values: () => unknown[] }[];
}

/**
 * From the head's open versions to `records` (by key, with their `hashes`): the versions to close
 * (by stable number: changed or gone) and the versions to open (new or changed), their values
 * made only when written. Nothing is made for an unchanged record (most of them in a re-sync).
 */
function versionChanges<R>(
  head: ReadonlyMap<string, Identity>,
  newIds: ReadonlyMap<string, number>,
  records: ReadonlyMap<string, R>,
  hashes: ReadonlyMap<string, string>,
  values: (record: R) => unknown[],
): VersionChanges {
  const close: number[] = [];
  const open: VersionChanges['open'] = [];
  for (const [key, record] of records) {
    const hash = hashes.get(key)!;
    const prev = head.get(key);
    if (prev && prev.hash === hash) continue;
    if (prev) close.push(prev.id);
    open.push({ id: prev?.id ?? newIds.get(key)!, hash, values: () => values(record) });
  }
  for (const [key, prev] of head) if (!records.has(key)) close.push(prev.id);
  return { close, open };
}

function toSnapshotRow(r: SnapshotDbRow): SnapshotRow {
  return {
    id: Number(r.id),
    runId: r.run_id === null ? null : Number(r.run_id),
    parentId: r.parent_id === null ? null : Number(r.parent_id),
    createdAt: fromSqlDateTime(r.created_at)!,
    userCount: Number(r.user_count),
    groupCount: Number(r.group_count),
    changedRows: Number(r.changed_rows),
    publishedAt: fromSqlDateTime(r.published_at),
    note: r.note ?? null,
  };
}
