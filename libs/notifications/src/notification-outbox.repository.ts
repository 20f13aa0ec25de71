import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, QueryFailedError, type Repository } from 'typeorm';
import { toSqlDateTime, TransactionRunner } from '#app/database';
import { NotificationOutboxRow, QuarantineNotice } from './notification-outbox.entity.js';
import type { DeliveryState, NotificationType } from './notification.types.js';

/** Rows written per insert or delete statement (SQLite binds at most 32,766 parameters). */
const CHUNK = 500;

/** A row is claimable when it is due, or when the claim of a process that died ran out. */
const CLAIMABLE = `((n.status = 'pending' AND n.next_attempt_at <= :now) OR (n.status = 'delivering' AND n.claimed_until < :now))`;

export interface DeliveryHealth {
  /** Notifications with at least one failed attempt that are still retried. */
  failing: number;
  /** Notifications abandoned within the window. */
  abandoned: number;
  /** The latest failure among those: which webhook (its label) and what went wrong. */
  last: { at: Date; target: string; error: string } | null;
}

function isDuplicate(error: unknown): boolean {
  if (!(error instanceof QueryFailedError)) return false;
  const code = (error.driverError as { code?: string } | undefined)?.code;
  return code === 'ER_DUP_ENTRY' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/**
 * The notification tables' one owner (libs/notifications). Every write goes through the
 * TransactionRunner: on SQLite the connection is shared, and a write made beside another
 * transaction would otherwise commit or roll back with it.
 */
@Injectable()
export class NotificationOutbox {
  constructor(
    private readonly tx: TransactionRunner,
    @InjectRepository(NotificationOutboxRow) private readonly rows: Repository<NotificationOutboxRow>,
  ) {}

  /**
   * Enqueues an event's rows (one per webhook) in one insert. False when an event with the same
   * dedupe key was enqueued before (by this instance or another): nothing is written.
   */
  async enqueue(rows: readonly Omit<NotificationOutboxRow, 'id'>[]): Promise<boolean> {
    if (!rows.length) return true;
    try {
      await this.tx.transaction((m) =>
        m
          .createQueryBuilder()
          .insert()
          .into(NotificationOutboxRow)
          .values(rows.map((r) => ({ ...r })))
          .execute(),
      );
      return true;
    } catch (error) {
      if (rows[0].dedupeKey !== null && isDuplicate(error)) return false;
      throw error;
    }
  }

  /**
   * Claims up to `limit` due rows for this caller until `until`, atomically: one conditional
   * update marks them with a claim of its own, so that of two instances claiming at once each
   * row goes to one. Returns the rows claimed.
   */
  async claimDue(limit: number, now: Date, until: Date): Promise<NotificationOutboxRow[]> {
    return this.tx.transaction(async (m) => {
      const at = toSqlDateTime(now);
      const due = await m
        .createQueryBuilder(NotificationOutboxRow, 'n')
        .select('n.id', 'id')
        .where(CLAIMABLE, { now: at })
        .orderBy('n.nextAttemptAt', 'ASC')
        .limit(limit)
        .getRawMany<{ id: number | string }>();
      if (!due.length) return [];
      const claim = randomUUID();
      await m
        .createQueryBuilder()
        .update(NotificationOutboxRow)
        .set({ status: 'delivering', claim, claimedUntil: until })
        .where(`id IN (:...ids) AND ${CLAIMABLE.replaceAll('n.', '')}`, { ids: due.map((d) => Number(d.id)), now: at })
        .execute();
      return m.getRepository(NotificationOutboxRow).find({ where: { claim, status: 'delivering' }, order: { id: 'ASC' } });
    });
  }

  /** Records an attempt's outcome on a row this caller still holds the claim of; false if the claim was lost meanwhile. */
  async settle(
    row: NotificationOutboxRow,
    outcome: { status: Exclude<DeliveryState, 'delivering'>; at: Date; httpStatus: number | null; error: string | null; nextAttemptAt?: Date },
  ): Promise<boolean> {
    const result = await this.tx.transaction((m) =>
      m
        .createQueryBuilder()
        .update(NotificationOutboxRow)
        .set({
          status: outcome.status,
          attempts: row.attempts + 1,
          claim: null,
          claimedUntil: null,
          lastAttemptAt: outcome.at,
          lastStatus: outcome.httpStatus,
          lastError: outcome.error?.slice(0, 500) ?? null,
          ...(outcome.status === 'delivered' ? { deliveredAt: outcome.at } : {}),
          ...(outcome.nextAttemptAt ? { nextAttemptAt: outcome.nextAttemptAt } : {}),
        })
        .where('id = :id AND claim = :claim', { id: row.id, claim: row.claim })
        .execute(),
    );
    return (result.affected ?? 0) > 0;
  }

  /** Newest first, optionally by state and type. */
  async list(query: {
    status?: DeliveryState;
    type?: NotificationType;
    offset: number;
    limit: number;
  }): Promise<{ items: NotificationOutboxRow[]; total: number }> {
    const where = { ...(query.status ? { status: query.status } : {}), ...(query.type ? { type: query.type } : {}) };
    const [items, total] = await this.rows.findAndCount({ where, order: { id: 'DESC' }, skip: query.offset, take: query.limit });
    return { items, total };
  }

  /** Rows of one event (all its webhooks). */
  async ofEvent(eventId: string): Promise<NotificationOutboxRow[]> {
    return this.rows.find({ where: { eventId }, order: { id: 'ASC' } });
  }

  /** What /health shows: failing and recently abandoned notifications, and the latest error among them. */
  async health(abandonedSince: Date): Promise<DeliveryHealth> {
    const since = toSqlDateTime(abandonedSince);
    const failingWhere = `n.status IN ('pending', 'delivering') AND n.attempts > 0`;
    const abandonedWhere = `n.status = 'abandoned' AND n.last_attempt_at >= :since`;
    const failing = await this.rows.createQueryBuilder('n').where(failingWhere).getCount();
    const abandoned = await this.rows.createQueryBuilder('n').where(abandonedWhere, { since }).getCount();
    if (!failing && !abandoned) return { failing, abandoned, last: null };
    const last = await this.rows
      .createQueryBuilder('n')
      .where(`((${failingWhere}) OR (${abandonedWhere})) AND n.last_error IS NOT NULL`, { since })
      .orderBy('n.lastAttemptAt', 'DESC')
      .getOne();
    return { failing, abandoned, last: last?.lastAttemptAt ? { at: last.lastAttemptAt, target: last.targetLabel, error: last.lastError! } : null };
  }

  /** The dedupe key of the newest event whose key starts with `prefix` (e.g. the last OMFLOW staleness episode). */
  async lastDedupeKey(prefix: string): Promise<string | null> {
    const row = await this.rows
      .createQueryBuilder('n')
      .select('n.dedupe_key', 'key')
      .where('n.dedupe_key LIKE :prefix', { prefix: `${prefix}%` })
      .orderBy('n.id', 'DESC')
      .limit(1)
      .getRawOne<{ key: string }>();
    return row?.key ?? null;
  }

  /** Removes delivered and abandoned rows created before `before`; the number removed. */
  async purge(before: Date): Promise<number> {
    const result = await this.tx.transaction((m) =>
      m
        .createQueryBuilder()
        .delete()
        .from(NotificationOutboxRow)
        .where(`status IN ('delivered', 'abandoned') AND created_at < :before`, { before: toSqlDateTime(before) })
        .execute(),
    );
    return result.affected ?? 0;
  }
}

/** The people known to be quarantined (so that a quarantine is notified once, when it starts). */
@Injectable()
export class QuarantineNotices {
  constructor(private readonly tx: TransactionRunner) {}

  /**
   * Records the people a run found quarantined and returns the keys quarantined for the first
   * time. When the run's list is `complete`, the people no longer quarantined are forgotten (a
   * later quarantine of theirs is a first one again).
   */
  async update(runId: number, current: ReadonlySet<string>, complete: boolean, at: Date): Promise<string[]> {
    return this.tx.transaction(async (m) => {
      const repo = m.getRepository(QuarantineNotice);
      const known = new Set((await repo.find({ select: { personKey: true } })).map((n) => n.personKey));
      const fresh = [...current].filter((key) => !known.has(key));
      for (let i = 0; i < fresh.length; i += CHUNK) {
        await repo.insert(fresh.slice(i, i + CHUNK).map((personKey) => ({ personKey, runId, since: at })));
      }
      if (complete) {
        const gone = [...known].filter((key) => !current.has(key));
        for (let i = 0; i < gone.length; i += CHUNK) await repo.delete({ personKey: In(gone.slice(i, i + CHUNK)) });
      }
      return fresh;
    });
  }
}
