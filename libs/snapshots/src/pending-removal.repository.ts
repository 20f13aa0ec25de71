import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { fromSqlDateTime, toSqlDateTime } from '#app/database';
import type { PendingRemoval, RemovalStatus } from './deletion-grace.js';
import { inChunks, insertRows } from './sql.js';

type Id = number | string;

interface RemovalRow {
  person_id: Id;
  user_key: string;
  username: string;
  status: string;
  missing_since: unknown;
  due_at: unknown;
  run_id: Id | null;
  decided_by: string | null;
  decided_at: unknown;
  note: string | null;
}

const COLUMNS = 'person_id, user_key, username, status, missing_since, due_at, run_id, decided_by, decided_at, note';
/** Rows changed per statement (bound parameters stay well under SQLite's and MySQL's limits). */
const CHUNK = 500;

function toRemoval(row: RemovalRow): PendingRemoval {
  return {
    personId: Number(row.person_id),
    key: String(row.user_key),
    username: String(row.username),
    status: row.status as RemovalStatus,
    missingSince: fromSqlDateTime(row.missing_since)!,
    dueAt: fromSqlDateTime(row.due_at)!,
    runId: row.run_id === null ? null : Number(row.run_id),
    decidedBy: row.decided_by ?? null,
    decidedAt: fromSqlDateTime(row.decided_at),
    note: row.note ?? null,
  };
}

/**
 * The pending removals of the deletion grace window (table `pending_removal`, owned here). The
 * runs and the admin decisions change them under the sync lock; a login reads them through
 * PublishedPeople.byUsername, in the statement that finds the person.
 */
@Injectable()
export class PendingRemovals {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Every row (a run's input: the people in a window are few next to the organisation). */
  async all(m?: EntityManager): Promise<PendingRemoval[]> {
    const rows = await (m ?? this.dataSource).query<RemovalRow[]>(`SELECT ${COLUMNS} FROM pending_removal ORDER BY person_id`);
    return rows.map(toRemoval);
  }

  async byKey(key: string, m?: EntityManager): Promise<PendingRemoval | null> {
    const rows = await (m ?? this.dataSource).query<RemovalRow[]>(`SELECT ${COLUMNS} FROM pending_removal WHERE user_key = ?`, [key]);
    return rows[0] ? toRemoval(rows[0]) : null;
  }

  /**
   * One page, soonest due first. `status` as shown (`due`: stored `due`, or `pending` past its
   * due time, at `now`).
   */
  async page(query: { status?: RemovalStatus; offset: number; limit: number; now: Date }): Promise<{ items: PendingRemoval[]; total: number }> {
    const at = toSqlDateTime(query.now);
    const where =
      query.status === 'due'
        ? { sql: "WHERE status = 'due' OR (status = 'pending' AND due_at <= ?)", params: [at] }
        : query.status === 'pending'
          ? { sql: "WHERE status = 'pending' AND due_at > ?", params: [at] }
          : query.status === 'cancelled'
            ? { sql: "WHERE status = 'cancelled'", params: [] }
            : { sql: '', params: [] };
    const total = await this.dataSource.query<{ n: Id }[]>(`SELECT COUNT(*) AS n FROM pending_removal ${where.sql}`, where.params);
    const rows = await this.dataSource.query<RemovalRow[]>(`SELECT ${COLUMNS} FROM pending_removal ${where.sql} ORDER BY due_at, person_id LIMIT ? OFFSET ?`, [
      ...where.params,
      query.limit,
      query.offset,
    ]);
    return { items: rows.map(toRemoval), total: Number(total[0]?.n ?? 0) };
  }

  /** Removals in progress (pending or due: the people refused at a login), for /health and /metrics. */
  async countInProgress(): Promise<number> {
    const rows = await this.dataSource.query<{ n: Id }[]>("SELECT COUNT(*) AS n FROM pending_removal WHERE status IN ('pending', 'due')");
    return Number(rows[0]?.n ?? 0);
  }

  async insert(m: EntityManager, rows: readonly PendingRemoval[]): Promise<void> {
    await insertRows(
      m,
      'pending_removal',
      COLUMNS.split(', '),
      rows.map((r) => [
        r.personId,
        r.key,
        r.username.slice(0, 150),
        r.status,
        toSqlDateTime(r.missingSince),
        toSqlDateTime(r.dueAt),
        r.runId,
        r.decidedBy,
        r.decidedAt ? toSqlDateTime(r.decidedAt) : null,
        r.note,
      ]),
    );
  }

  async delete(m: EntityManager, personIds: readonly number[]): Promise<void> {
    await inChunks(personIds, CHUNK, (chunk, ph) => m.query<unknown[]>(`DELETE FROM pending_removal WHERE person_id IN (${ph})`, chunk));
  }

  /** Marks pending rows due (a run found their window passed). */
  async markDue(m: EntityManager, personIds: readonly number[]): Promise<void> {
    await inChunks(personIds, CHUNK, (chunk, ph) =>
      m.query<unknown[]>(`UPDATE pending_removal SET status = 'due' WHERE status = 'pending' AND person_id IN (${ph})`, chunk),
    );
  }

  /** An operator's cancellation: the person stays published (and may log in) until they reappear or someone expedites. */
  async cancel(m: EntityManager, personId: number, decision: { by: string | null; at: Date; note: string }): Promise<void> {
    await m.query("UPDATE pending_removal SET status = 'cancelled', decided_by = ?, decided_at = ?, note = ? WHERE person_id = ?", [
      decision.by,
      toSqlDateTime(decision.at),
      decision.note,
      personId,
    ]);
  }

  /**
   * Keeps the table in step with what is published, inside a publish's transaction: the rows of
   * people the new snapshot no longer lists go (their removal happened). Answers them.
   */
  async settle(m: EntityManager, published: { has(key: string): boolean }): Promise<PendingRemoval[]> {
    const gone = (await this.all(m)).filter((row) => !published.has(row.key));
    await this.delete(
      m,
      gone.map((row) => row.personId),
    );
    return gone;
  }
}
