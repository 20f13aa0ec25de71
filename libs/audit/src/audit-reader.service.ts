import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository, SelectQueryBuilder } from 'typeorm';
import { AppError, ErrorCode, type ActorKind } from '#app/common';
import { BRIDGE_CONFIG, type BridgeConfig } from '#app/config';
import { AuditEvent } from './audit-event.entity.js';
import { AuditStore } from './audit-store.js';
import type { AuditOutcome, ChainHead } from './audit.types.js';
import { hashEvent } from './chain.js';
import { toSqlDateTime } from '#app/database';

/** What the review API filters on; every field optional, all ANDed. */
export interface AuditFilter {
  /** Inclusive. */
  from?: Date;
  /** Exclusive. */
  to?: Date;
  actorKind?: ActorKind;
  actorId?: string;
  /** An exact action, or a prefix written `sync.*`. */
  action?: string;
  targetType?: string;
  targetId?: string;
  outcome?: AuditOutcome;
  /** Case-insensitive text anywhere in the details. */
  q?: string;
}

export type AuditOrder = 'newest' | 'oldest';

export interface AuditPage {
  items: AuditEvent[];
  /** Pass as `cursor` for the next page; null at the end. */
  nextCursor: number | null;
}

export type BrokenReason = 'missing' | 'prev-hash-mismatch' | 'hash-mismatch' | 'head-mismatch';

export interface VerifyReport {
  ok: boolean;
  fromSeq: number;
  toSeq: number;
  checked: number;
  anchor: { seq: number; hash: string } | null;
  head: { seq: number; hash: string };
  firstBroken: { seq: number; reason: BrokenReason; message: string } | null;
}

function escapeLike(text: string): string {
  return text.replace(/[!%_]/g, (c) => `!${c}`);
}

/** Reads the trail: filtered pages by sequence cursor, single events, whole ranges, verification. */
@Injectable()
export class AuditReader {
  readonly pageSize: number;

  constructor(
    @InjectRepository(AuditEvent) private readonly events: Repository<AuditEvent>,
    private readonly store: AuditStore,
    @Inject(BRIDGE_CONFIG) config: BridgeConfig,
  ) {
    this.pageSize = config.audit.exportPageSize;
  }

  /**
   * One page. The cursor is a sequence number, and sequence numbers are assigned in commit
   * order under the chain lock, so events written meanwhile never shift a page: newest-first
   * pages only ever see older sequences, oldest-first pages pick new events up at the end.
   */
  async page(filter: AuditFilter, options: { order: AuditOrder; cursor?: number; limit: number; toSeq?: number }): Promise<AuditPage> {
    const qb = this.filtered(filter);
    const desc = options.order === 'newest';
    if (options.cursor !== undefined) qb.andWhere(desc ? 'e.seq < :cursor' : 'e.seq > :cursor', { cursor: options.cursor });
    if (options.toSeq !== undefined) qb.andWhere('e.seq <= :toSeq', { toSeq: options.toSeq });
    const rows = await qb
      .orderBy('e.seq', desc ? 'DESC' : 'ASC')
      .take(options.limit + 1)
      .getMany();
    const items = rows.slice(0, options.limit);
    return { items, nextCursor: rows.length > options.limit ? items[items.length - 1].seq : null };
  }

  async get(seq: number): Promise<AuditEvent> {
    const event = await this.events.findOneBy({ seq });
    if (!event) throw new AppError(ErrorCode.NotFound, `No audit event with sequence ${seq}.`);
    return event;
  }

  /**
   * Every matching event, page by page: one page in memory at a time, the next one read only
   * when the consumer asks for it (so a slow reader holds the database cursor, not the range).
   * Stops at the head as it was when the walk began.
   */
  async *walk(filter: AuditFilter, order: AuditOrder = 'oldest'): AsyncGenerator<AuditEvent[]> {
    const head = await this.store.head();
    let cursor: number | undefined;
    for (;;) {
      const page = await this.page(filter, { order, cursor, limit: this.pageSize, toSeq: head.lastSeq });
      if (page.items.length) yield page.items;
      if (page.nextCursor === null) return;
      cursor = page.nextCursor;
    }
  }

  head(): Promise<ChainHead> {
    return this.store.head();
  }

  /**
   * Walks the chain from `fromSeq` (default: the first event after the retention anchor) to
   * `toSeq` (default: the head) and reports the first broken link: a missing sequence, an event
   * whose recorded previous hash is not its predecessor's hash, an event whose content no
   * longer matches its hash, or a trail that ends before the head says it does.
   */
  async verify(range: { fromSeq?: number; toSeq?: number } = {}): Promise<VerifyReport> {
    const head = await this.store.head();
    const first = head.anchorSeq + 1;
    const fromSeq = Math.max(range.fromSeq ?? first, first);
    const toSeq = Math.min(range.toSeq ?? head.lastSeq, head.lastSeq);
    const report: VerifyReport = {
      ok: true,
      fromSeq,
      toSeq,
      checked: 0,
      anchor: head.anchorSeq > 0 ? { seq: head.anchorSeq, hash: head.anchorHash } : null,
      head: { seq: head.lastSeq, hash: head.lastHash },
      firstBroken: null,
    };
    const broken = (seq: number, reason: BrokenReason, message: string): VerifyReport => ({ ...report, ok: false, firstBroken: { seq, reason, message } });

    let expectedPrev: string;
    if (fromSeq === first) {
      expectedPrev = head.anchorHash;
    } else {
      const before = await this.events.findOneBy({ seq: fromSeq - 1 });
      if (!before) return broken(fromSeq - 1, 'missing', `Event ${fromSeq - 1}, the predecessor of the range, is missing.`);
      expectedPrev = before.hash;
    }
    let expectedSeq = fromSeq;
    let cursor = fromSeq - 1;
    while (expectedSeq <= toSeq) {
      const rows = await this.events
        .createQueryBuilder('e')
        .where('e.seq > :cursor AND e.seq <= :toSeq', { cursor, toSeq })
        .orderBy('e.seq', 'ASC')
        .take(this.pageSize)
        .getMany();
      if (!rows.length) break;
      for (const row of rows) {
        if (row.seq !== expectedSeq) return broken(expectedSeq, 'missing', `Event ${expectedSeq} is missing (the next stored event is ${row.seq}).`);
        if (row.prevHash !== expectedPrev) {
          return broken(
            row.seq,
            'prev-hash-mismatch',
            `Event ${row.seq} does not follow its predecessor: its previous hash is not the hash of event ${row.seq - 1}.`,
          );
        }
        if (hashEvent(row.seq, row, row.prevHash) !== row.hash) {
          return broken(row.seq, 'hash-mismatch', `Event ${row.seq} was altered: its content does not match its hash.`);
        }
        expectedPrev = row.hash;
        expectedSeq += 1;
        report.checked += 1;
      }
      cursor = rows[rows.length - 1].seq;
    }
    if (expectedSeq <= toSeq) return broken(expectedSeq, 'missing', `Event ${expectedSeq} is missing (the trail ends before event ${toSeq}).`);
    if (toSeq === head.lastSeq && expectedPrev !== head.lastHash) {
      return broken(head.lastSeq, 'head-mismatch', `The chain head records a different hash for event ${head.lastSeq}.`);
    }
    return report;
  }

  private filtered(filter: AuditFilter): SelectQueryBuilder<AuditEvent> {
    const qb = this.events.createQueryBuilder('e');
    // Times are compared as the stored UTC text form, which sorts like time on both databases.
    if (filter.from) qb.andWhere('e.occurred_at >= :from', { from: toSqlDateTime(filter.from) });
    if (filter.to) qb.andWhere('e.occurred_at < :to', { to: toSqlDateTime(filter.to) });
    if (filter.actorKind) qb.andWhere('e.actor_kind = :actorKind', { actorKind: filter.actorKind });
    if (filter.actorId) qb.andWhere('e.actor_id = :actorId', { actorId: filter.actorId });
    if (filter.action) {
      if (filter.action.endsWith('.*')) {
        // A range on the binary-collated column: exact, case-sensitive and indexed on both databases.
        const prefix = filter.action.slice(0, -1); // keeps the dot: 'sync.'
        qb.andWhere('e.action >= :lo AND e.action < :hi', { lo: prefix, hi: `${prefix.slice(0, -1)}/` });
      } else {
        qb.andWhere('e.action = :action', { action: filter.action });
      }
    }
    if (filter.targetType) qb.andWhere('e.target_type = :targetType', { targetType: filter.targetType });
    if (filter.targetId) qb.andWhere('e.target_id = :targetId', { targetId: filter.targetId });
    if (filter.outcome) qb.andWhere('e.outcome = :outcome', { outcome: filter.outcome });
    if (filter.q) qb.andWhere("LOWER(e.details) LIKE :q ESCAPE '!'", { q: `%${escapeLike(filter.q.toLowerCase())}%` });
    return qb;
  }
}
