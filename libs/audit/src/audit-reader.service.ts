import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository, SelectQueryBuilder } from 'typeorm';
import { AppError, ErrorCode, type ActorKind } from '#app/common';
import { BRIDGE_CONFIG, type BridgeConfig } from '#app/config';
import { AuditCheckpoints } from './audit-checkpoints.js';
import { AuditEvent } from './audit-event.entity.js';
import { AuditKeyring } from './audit-keys.js';
import { AuditStore } from './audit-store.js';
import type { AuditOutcome, ChainHead } from './audit.types.js';
import type { Checkpoint } from './chain.js';
import { ChainVerifier, DEFAULT_MAX_BROKEN, type VerifyReport } from './chain-verifier.js';
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
    private readonly keys: AuditKeyring,
    private readonly checkpoints: AuditCheckpoints,
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
   * `toSeq` (default: the head), a page at a time, and checks it against the checkpoints of the
   * file and `given` (see ChainVerifier for what is reported).
   */
  async verify(range: { fromSeq?: number; toSeq?: number; maxBroken?: number } = {}, given: Checkpoint[] = []): Promise<VerifyReport> {
    const head = await this.store.head();
    const first = head.anchorSeq + 1;
    const fromSeq = Math.max(range.fromSeq ?? first, first);
    const toSeq = Math.min(range.toSeq ?? head.lastSeq, head.lastSeq);
    const file = await this.checkpoints.read();
    const predecessor = fromSeq === first ? undefined : await this.events.findOneBy({ seq: fromSeq - 1 });
    const verifier = new ChainVerifier({
      head,
      fromSeq,
      toSeq,
      maxBroken: range.maxBroken ?? DEFAULT_MAX_BROKEN,
      keys: this.keys,
      checkpoints: [...file.checkpoints, ...given],
      unreadable: file.unreadable.map((u) => u.message),
      authenticate: (cp) => this.checkpoints.authenticate(cp),
      predecessor: predecessor === undefined ? undefined : (predecessor ?? null),
    });
    let cursor = fromSeq - 1;
    while (cursor < toSeq) {
      const rows = await this.events
        .createQueryBuilder('e')
        .where('e.seq > :cursor AND e.seq <= :toSeq', { cursor, toSeq })
        .orderBy('e.seq', 'ASC')
        .take(this.pageSize)
        .getMany();
      if (!rows.length) break;
      for (const row of rows) verifier.event(row);
      cursor = rows[rows.length - 1].seq;
    }
    return verifier.finish();
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
