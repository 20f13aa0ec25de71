import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { fromSqlDateTime, isMysql, toSqlDateTime } from '#app/database';
import { inChunks, insertRows } from './sql.js';
import { STORED_USER_COLUMNS } from './stored-user.js';
import { TextKeys } from './text-keys.js';
import type { PreparedPayload } from './sync-payload.js';
import { validIn } from './valid-in.js';

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

/** What a publish changes in the view, by stable number. */
export interface ViewChange {
  /** People whose published values change (or who appear), and those who went. */
  personIds: number[];
  removedPersonIds: number[];
  departmentIds: number[];
  removedDepartmentIds: number[];
  /** Department codes of each person of `personIds`, the default first. */
  memberships: ReadonlyMap<number, readonly string[]>;
  /** Among personIds/departmentIds, those whose rows (and memberships) were created with these very values: only their state changes. */
  fresh?: { personIds: ReadonlySet<number>; departmentIds: ReadonlySet<number> };
}

type Id = number | string;
interface SyncStateRow {
  published_snapshot_id: Id | null;
  published_at: unknown;
  payload_etag: string | null;
  payload_bytes: Id | null;
  payload_chunks: Id | null;
  last_pull_at: unknown;
  last_pull_client: string | null;
  last_pull_snapshot_id: Id | null;
}

const PAYLOAD_CHUNK = 512 * 1024;
const numberOrNull = (v: Id | null | undefined): number | null => (v === null || v === undefined ? null : Number(v));

/**
 * The published view: what OMFLOW is served. `person`, `department` and `person_group` hold the
 * published snapshot's values (people who went are kept as `deleted`, for the query API),
 * `sync_payload_chunk` its prepared `/sync` answer, `sync_state` the pointer to it and OMFLOW's
 * last pull. A publish moves all of them in the caller's transaction.
 */
@Injectable()
export class PublishedView {
  private readonly mysql: boolean;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly keys: TextKeys,
  ) {
    this.mysql = isMysql(dataSource.options);
  }

  /**
   * Brings the view to snapshot `snapshotId`: copies the versions valid in it for the people and
   * departments of `change` (set-based, chunked), marks those that went as deleted, replaces
   * their memberships, stores the prepared payload and moves the pointer.
   */
  async publish(m: EntityManager, snapshotId: number, change: ViewChange, payload: PreparedPayload, at: string): Promise<void> {
    const fresh = change.fresh;
    const freshPeople = change.personIds.filter((id) => fresh?.personIds.has(id));
    const changedPeople = change.personIds.filter((id) => !fresh?.personIds.has(id));
    await inChunks(freshPeople, 5000, (chunk, ph) =>
      m.query<unknown[]>(`UPDATE person SET state = 'active', updated_at = ? WHERE id IN (${ph})`, [at, ...chunk]),
    );
    await this.copyVersions(m, 'person', 'user_version', 'person_id', [...STORED_USER_COLUMNS, ...this.keys.userColumns], snapshotId, changedPeople, at);
    await inChunks(change.removedPersonIds, 1000, (chunk, ph) =>
      m.query<unknown[]>(`UPDATE person SET state = 'deleted', updated_at = ? WHERE id IN (${ph})`, [at, ...chunk]),
    );
    // Memberships of the changed and removed people are replaced (removed people keep none); fresh
    // people's were written with their rows.
    await inChunks([...changedPeople, ...change.removedPersonIds], 1000, (chunk, ph) =>
      m.query<unknown[]>(`DELETE FROM person_group WHERE person_id IN (${ph})`, chunk),
    );
    const memberships: unknown[][] = [];
    for (const personId of changedPeople) (change.memberships.get(personId) ?? []).forEach((code, i) => memberships.push([personId, code, i === 0 ? 1 : 0]));
    await insertRows(m, 'person_group', ['person_id', 'group_no', 'is_default'], memberships);

    const freshDepartments = change.departmentIds.filter((id) => fresh?.departmentIds.has(id));
    await inChunks(freshDepartments, 5000, (chunk, ph) =>
      m.query<unknown[]>(`UPDATE department SET state = 'active', updated_at = ? WHERE id IN (${ph})`, [at, ...chunk]),
    );
    const changedDepartments = change.departmentIds.filter((id) => !fresh?.departmentIds.has(id));
    const departmentColumns = ['display_name', 'parent_group_no', ...(this.keys.stored ? ['display_name_key'] : [])];
    await this.copyVersions(m, 'department', 'group_version', 'department_id', departmentColumns, snapshotId, changedDepartments, at);
    await inChunks(change.removedDepartmentIds, 1000, (chunk, ph) =>
      m.query<unknown[]>(`UPDATE department SET state = 'deleted', updated_at = ? WHERE id IN (${ph})`, [at, ...chunk]),
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
      at,
      payload.etag,
      payload.bytes,
      seq,
    ]);
  }

  /** Sets `columns` of the view's rows `ids` to their versions valid in `snapshotId`, and marks them active. */
  private async copyVersions(
    m: EntityManager,
    table: 'person' | 'department',
    versions: 'user_version' | 'group_version',
    key: 'person_id' | 'department_id',
    columns: readonly string[],
    snapshotId: number,
    ids: number[],
    at: string,
  ): Promise<void> {
    const mysql = this.mysql;
    const copy = columns.map((c) => (mysql ? `t.\`${c}\` = v.\`${c}\`` : `\`${c}\` = v.\`${c}\``)).join(', ');
    const valid = validIn(snapshotId, 'v');
    await inChunks(ids, 1000, (chunk, ph) =>
      mysql
        ? m.query<unknown[]>(
            `UPDATE ${table} t JOIN ${versions} v ON v.${key} = t.id AND ${valid.sql} SET ${copy}, t.state = 'active', t.updated_at = ? WHERE t.id IN (${ph})`,
            [...valid.params, at, ...chunk],
          )
        : m.query<unknown[]>(
            `UPDATE ${table} SET ${copy}, state = 'active', updated_at = ? FROM ${versions} v WHERE v.${key} = ${table}.id AND ${valid.sql} AND ${table}.id IN (${ph})`,
            [at, ...valid.params, ...chunk],
          ),
    );
  }

  async state(): Promise<PublishedState> {
    const rows = await this.dataSource.query<SyncStateRow[]>('SELECT * FROM sync_state WHERE id = 1');
    const r: Partial<SyncStateRow> = rows[0] ?? {};
    return {
      snapshotId: numberOrNull(r.published_snapshot_id),
      publishedAt: fromSqlDateTime(r.published_at),
      etag: r.payload_etag ?? null,
      bytes: numberOrNull(r.payload_bytes),
      chunks: numberOrNull(r.payload_chunks),
      lastPullAt: fromSqlDateTime(r.last_pull_at),
      lastPullClient: r.last_pull_client ?? null,
      lastPullSnapshotId: numberOrNull(r.last_pull_snapshot_id),
    };
  }

  /** The published snapshot's number, read in the caller's transaction. */
  async publishedId(m: EntityManager): Promise<number | null> {
    const rows = await m.query<{ s: Id | null }[]>('SELECT published_snapshot_id AS s FROM sync_state WHERE id = 1');
    return numberOrNull(rows[0]?.s);
  }

  /** The cheap per-request check: which snapshot and payload are published now. */
  async pointer(): Promise<{ snapshotId: number; etag: string } | null> {
    const rows = await this.dataSource.query<{ s: Id | null; e: string | null }[]>(
      'SELECT published_snapshot_id AS s, payload_etag AS e FROM sync_state WHERE id = 1',
    );
    const r = rows[0];
    return r && r.s !== null && r.s !== undefined && r.e ? { snapshotId: Number(r.s), etag: r.e } : null;
  }

  async payload(snapshotId: number): Promise<Buffer | null> {
    const rows = await this.dataSource.query<{ data: Uint8Array }[]>('SELECT data FROM sync_payload_chunk WHERE snapshot_id = ? ORDER BY seq', [snapshotId]);
    if (!rows.length) return null;
    return Buffer.concat(rows.map((r) => Buffer.from(r.data)));
  }

  /** Records a pull; answers the snapshot the pull recorded before this one named (null: none). */
  async recordPull(clientId: string, snapshotId: number): Promise<number | null> {
    const before = await this.dataSource.query<{ s: Id | null }[]>('SELECT last_pull_snapshot_id AS s FROM sync_state WHERE id = 1');
    await this.dataSource.query('UPDATE sync_state SET last_pull_at = ?, last_pull_client = ?, last_pull_snapshot_id = ? WHERE id = 1', [
      toSqlDateTime(),
      clientId,
      snapshotId,
    ]);
    return numberOrNull(before[0]?.s);
  }

  /** Drops the prepared payloads of every snapshot but the published one. */
  async dropUnpublishedPayloads(m: EntityManager): Promise<void> {
    await m.query(
      'DELETE FROM sync_payload_chunk WHERE snapshot_id NOT IN (SELECT published_snapshot_id FROM sync_state WHERE published_snapshot_id IS NOT NULL)',
    );
  }
}
