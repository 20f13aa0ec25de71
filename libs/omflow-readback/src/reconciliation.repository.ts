import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { fromSqlDateTime, toSqlDateTime } from '#app/database';
import type { ReconciliationCounts, ReconciliationSamples } from './compare.js';

export type ReconcileTrigger = 'manual' | 'schedule' | 'after-pull';
export type ReconcileOutcome = 'running' | 'in-sync' | 'drifted' | 'not-pulled' | 'failed';
/** Why a comparison failed: reading OMFLOW (see ReadFailure), the snapshot gone, the process stopped, or the unexpected. */
export type ReconcileErrorCode =
  'unreachable' | 'timeout' | 'http' | 'malformed' | 'auth' | 'refused' | 'cancelled' | 'snapshot-gone' | 'interrupted' | 'internal';

/** What a comparison found, beyond its outcome. */
export interface ReconciliationResult {
  counts: ReconciliationCounts | null;
  samples: ReconciliationSamples | null;
  /** The published snapshot is newer than the one OMFLOW pulled, and was published longer than OMFLOW_PULL_STALE_SECONDS ago. */
  behind: boolean;
  /** Why the comparison is not in sync, in words (empty when it is). */
  reasons: string[];
  /** OMFLOW's address (without credentials). */
  omflow: string;
}

/** One comparison, as stored. */
export interface ReconciliationRow {
  id: number;
  trigger: ReconcileTrigger;
  outcome: ReconcileOutcome;
  inSync: boolean;
  instance: string;
  requestedBy: string | null;
  snapshotId: number | null;
  publishedSnapshotId: number | null;
  pulledAt: Date | null;
  startedAt: Date;
  finishedAt: Date | null;
  durationMs: number | null;
  errorCode: ReconcileErrorCode | null;
  error: string | null;
  result: ReconciliationResult | null;
}

type Id = number | string;
interface DbRow {
  id: Id;
  trigger: string;
  outcome: string;
  in_sync: Id | boolean;
  instance: string;
  requested_by: string | null;
  snapshot_id: Id | null;
  published_snapshot_id: Id | null;
  pulled_at: unknown;
  started_at: unknown;
  finished_at: unknown;
  duration_ms: Id | null;
  error_code: string | null;
  error: string | null;
  result_json: string | null;
}

const num = (v: Id | null | undefined): number | null => (v === null || v === undefined ? null : Number(v));

/** How many comparisons are kept (the newest). */
export const KEPT_RESULTS = 100;

/**
 * The only SQL on `omflow_reconciliation` (the comparisons, running and ended) and
 * `omflow_reconciliation_lock` (one comparison at a time across instances: a row taken with a
 * conditional UPDATE, with an expiry renewed while the comparison runs, as the sync lock is).
 */
@Injectable()
export class ReconciliationRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async acquire(holder: string, ttlMs: number): Promise<boolean> {
    const now = Date.now();
    const result = await this.dataSource
      .createQueryBuilder()
      .update('omflow_reconciliation_lock')
      .set({ holder, expires_at: now + ttlMs })
      .where("name = 'reconcile' AND (holder IS NULL OR expires_at < :now OR holder = :holder)", { now, holder })
      .execute();
    return (result.affected ?? 0) === 1;
  }

  async renew(holder: string, ttlMs: number): Promise<boolean> {
    const result = await this.dataSource
      .createQueryBuilder()
      .update('omflow_reconciliation_lock')
      .set({ expires_at: Date.now() + ttlMs })
      .where("name = 'reconcile' AND holder = :holder", { holder })
      .execute();
    return (result.affected ?? 0) === 1;
  }

  async release(holder: string): Promise<void> {
    await this.dataSource
      .createQueryBuilder()
      .update('omflow_reconciliation_lock')
      .set({ holder: null, expires_at: 0 })
      .where("name = 'reconcile' AND holder = :holder", { holder })
      .execute();
  }

  /** Records a comparison that starts; its id. */
  async start(row: Pick<ReconciliationRow, 'trigger' | 'instance' | 'requestedBy' | 'startedAt'>): Promise<number> {
    await this.dataSource.query(
      "INSERT INTO omflow_reconciliation (`trigger`, outcome, in_sync, instance, requested_by, started_at) VALUES (?, 'running', 0, ?, ?, ?)",
      [row.trigger, row.instance, row.requestedBy, toSqlDateTime(row.startedAt)],
    );
    const rows = await this.dataSource.query<{ id: Id }[]>('SELECT MAX(id) AS id FROM omflow_reconciliation WHERE instance = ?', [row.instance]);
    return Number(rows[0].id);
  }

  /** Records how a comparison ended, and forgets all but the newest KEPT_RESULTS. */
  async finish(id: number, end: Omit<ReconciliationRow, 'id' | 'trigger' | 'instance' | 'requestedBy' | 'startedAt'>): Promise<void> {
    await this.dataSource.query(
      'UPDATE omflow_reconciliation SET outcome = ?, in_sync = ?, snapshot_id = ?, published_snapshot_id = ?, pulled_at = ?, finished_at = ?, duration_ms = ?, error_code = ?, error = ?, result_json = ? WHERE id = ?',
      [
        end.outcome,
        end.inSync ? 1 : 0,
        end.snapshotId,
        end.publishedSnapshotId,
        end.pulledAt ? toSqlDateTime(end.pulledAt) : null,
        end.finishedAt ? toSqlDateTime(end.finishedAt) : null,
        end.durationMs,
        end.errorCode,
        end.error?.slice(0, 1000) ?? null,
        end.result ? JSON.stringify(end.result) : null,
        id,
      ],
    );
    const cut = await this.dataSource.query<{ id: Id }[]>(`SELECT id FROM omflow_reconciliation ORDER BY id DESC LIMIT 1 OFFSET ${KEPT_RESULTS}`);
    if (cut.length) await this.dataSource.query('DELETE FROM omflow_reconciliation WHERE id <= ?', [Number(cut[0].id)]);
  }

  /** Comparisons left running by a process that is gone (its lock ran out): failed, interrupted. */
  async interruptOrphans(exceptId: number | null): Promise<void> {
    await this.dataSource.query(
      "UPDATE omflow_reconciliation SET outcome = 'failed', in_sync = 0, error_code = 'interrupted', error = 'The comparison stopped before its end (its process stopped).', finished_at = ? WHERE outcome = 'running' AND id <> ?",
      [toSqlDateTime(), exceptId ?? 0],
    );
  }

  async get(id: number): Promise<ReconciliationRow | null> {
    const rows = await this.dataSource.query<DbRow[]>('SELECT * FROM omflow_reconciliation WHERE id = ?', [id]);
    return rows[0] ? rowOf(rows[0]) : null;
  }

  /** The newest comparison that ended. */
  async lastEnded(): Promise<ReconciliationRow | null> {
    const rows = await this.dataSource.query<DbRow[]>("SELECT * FROM omflow_reconciliation WHERE outcome <> 'running' ORDER BY id DESC LIMIT 1");
    return rows[0] ? rowOf(rows[0]) : null;
  }

  /** The newest comparison that ended before `id`. */
  async endedBefore(id: number): Promise<ReconciliationRow | null> {
    const rows = await this.dataSource.query<DbRow[]>("SELECT * FROM omflow_reconciliation WHERE outcome <> 'running' AND id < ? ORDER BY id DESC LIMIT 1", [
      id,
    ]);
    return rows[0] ? rowOf(rows[0]) : null;
  }

  /** The comparison running now (on any instance), if any. */
  async running(): Promise<ReconciliationRow | null> {
    const rows = await this.dataSource.query<DbRow[]>("SELECT * FROM omflow_reconciliation WHERE outcome = 'running' ORDER BY id DESC LIMIT 1");
    return rows[0] ? rowOf(rows[0]) : null;
  }
}

function rowOf(r: DbRow): ReconciliationRow {
  return {
    id: Number(r.id),
    trigger: r.trigger as ReconcileTrigger,
    outcome: r.outcome as ReconcileOutcome,
    inSync: r.in_sync === true || Number(r.in_sync) === 1,
    instance: r.instance,
    requestedBy: r.requested_by ?? null,
    snapshotId: num(r.snapshot_id),
    publishedSnapshotId: num(r.published_snapshot_id),
    pulledAt: fromSqlDateTime(r.pulled_at),
    startedAt: fromSqlDateTime(r.started_at)!,
    finishedAt: fromSqlDateTime(r.finished_at),
    durationMs: num(r.duration_ms),
    errorCode: (r.error_code as ReconcileErrorCode | null) ?? null,
    error: r.error ?? null,
    result: r.result_json ? (JSON.parse(r.result_json) as ReconciliationResult) : null,
  };
}
