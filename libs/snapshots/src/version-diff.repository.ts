import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { UserRecord } from '#app/hr-source';
import { breathe } from './sql.js';
import { userOfRow, type StoredUser } from './stored-user.js';
import { validIn } from './valid-in.js';

/** People compared per statement. */
const PAIR_PAGE = 1000;

type Id = number | string;
type VersionRow = StoredUser & { user_key: string; person_id: Id; from_snapshot: Id; to_snapshot: Id | null };

/** One person on both sides of a comparison (absent on a side where they are not). */
export interface UserPair {
  key: string;
  before: UserRecord | undefined;
  after: UserRecord | undefined;
}

const validAt = (row: VersionRow, snapshotId: number | null): boolean =>
  snapshotId !== null && Number(row.from_snapshot) <= snapshotId && (row.to_snapshot === null || Number(row.to_snapshot) > snapshotId);

/**
 * Two snapshots' people compared without loading either whole: only the people with a version
 * opened or closed between the two can differ (a version valid in both is the same row), so only
 * those are read, a page at a time, in stable-number order.
 */
@Injectable()
export class VersionDiffs {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * The people who may differ between snapshot `from` (null: nothing, every person of `to` is
   * new) and snapshot `to`, with their record in each, a page at a time, in stable-number order.
   */
  async *userPairs(from: number | null, to: number): AsyncGenerator<UserPair[]> {
    const db = this.dataSource.manager;
    const lo = Math.min(from ?? 0, to);
    const hi = Math.max(from ?? 0, to);
    if (lo === hi) return;
    const sides = [validIn(from ?? 0, 'v'), validIn(to, 'v')];
    for (let after = 0; ;) {
      const ids = (
        await db.query<{ id: Id }[]>(
          `SELECT DISTINCT person_id AS id FROM user_version WHERE person_id > ? AND ((from_snapshot > ? AND from_snapshot <= ?) OR (to_snapshot > ? AND to_snapshot <= ?)) ORDER BY person_id LIMIT ${PAIR_PAGE}`,
          [after, lo, hi, lo, hi],
        )
      ).map((r) => Number(r.id));
      if (!ids.length) return;
      after = ids.at(-1)!;
      const rows = await db.query<VersionRow[]>(
        `SELECT p.user_key AS user_key, v.* FROM user_version v JOIN person p ON p.id = v.person_id WHERE v.person_id IN (${ids.map(() => '?').join(', ')}) AND ((${sides[0].sql}) OR (${sides[1].sql}))`,
        [...ids, ...sides[0].params, ...sides[1].params],
      );
      const byId = new Map<number, UserPair>();
      for (const row of rows) {
        const id = Number(row.person_id);
        const key = String(row.user_key);
        const pair = byId.get(id) ?? { key, before: undefined, after: undefined };
        if (validAt(row, from)) pair.before = userOfRow(row, key);
        if (validAt(row, to)) pair.after = userOfRow(row, key);
        byId.set(id, pair);
      }
      yield ids.flatMap((id) => byId.get(id) ?? []);
      if (ids.length < PAIR_PAGE) return;
      await breathe(db);
    }
  }
}
