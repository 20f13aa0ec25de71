import { createWriteStream, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { AppError, Clock, ErrorCode } from '#app/common';
import { BRIDGE_CONFIG, type BridgeConfig } from '#app/config';
import { AuditCheckpoints } from './audit-checkpoints.js';
import { AuditEvent } from './audit-event.entity.js';
import { exportChunks } from './audit-export.js';
import { AuditReader } from './audit-reader.service.js';
import { AuditStore } from './audit-store.js';
import { AuditService } from './audit.service.js';
import { toSqlDateTime } from '#app/database';

const DAY_MS = 86_400_000;

export interface RetentionResult {
  /** Events archived and removed (0 when nothing was old enough). */
  archived: number;
  fromSeq: number | null;
  toSeq: number | null;
  /** The archive file name inside AUDIT_ARCHIVE_DIR. */
  file: string | null;
  /** Where the remaining chain now starts from. */
  anchor: { seq: number; hash: string } | null;
}

/**
 * Retention: the events older than the configured age form a prefix of the chain; it is
 * written to an NDJSON archive (same lines as the export, hashes and key ids included, so the
 * archive can be verified on its own with the keys), then removed in one transaction that
 * records the last removed event's sequence and hash as the anchor the remaining chain is
 * verified from, and chains the `audit.retention.archived` event naming it. `run()` is what
 * the timer, a cron façade or the admin endpoint call.
 */
@Injectable()
export class AuditRetentionService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AuditRetentionService.name);
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<RetentionResult> | null = null;

  constructor(
    @InjectRepository(AuditEvent) private readonly events: Repository<AuditEvent>,
    private readonly store: AuditStore,
    private readonly reader: AuditReader,
    private readonly audit: AuditService,
    private readonly checkpoints: AuditCheckpoints,
    private readonly clock: Clock,
    @Inject(BRIDGE_CONFIG) private readonly config: BridgeConfig,
  ) {}

  onApplicationBootstrap(): void {
    const { retentionDays, retentionIntervalMinutes } = this.config.audit;
    if (!retentionDays || !retentionIntervalMinutes) return;
    this.timer = setInterval(() => {
      this.run().catch((error: unknown) => this.logger.error({ err: error }, 'Audit retention failed'));
    }, retentionIntervalMinutes * 60_000);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Archives then removes the events older than `olderThanDays` (default AUDIT_RETENTION_DAYS). One run at a time per process. */
  run(olderThanDays: number = this.config.audit.retentionDays): Promise<RetentionResult> {
    if (!olderThanDays || olderThanDays < 1) {
      return Promise.reject(new AppError(ErrorCode.BadRequest, 'No retention age: set AUDIT_RETENTION_DAYS or pass olderThanDays.'));
    }
    this.running ??= this.runOnce(olderThanDays).finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async runOnce(olderThanDays: number): Promise<RetentionResult> {
    const now = this.clock.now();
    const cutoff = new Date(now - olderThanDays * DAY_MS);
    const head = await this.store.head();
    const none: RetentionResult = {
      archived: 0,
      fromSeq: null,
      toSeq: null,
      file: null,
      anchor: head.anchorSeq ? { seq: head.anchorSeq, hash: head.anchorHash } : null,
    };
    // The prefix ends before the first event that is not old enough (times of concurrent instances may interleave slightly).
    const young = await this.events
      .createQueryBuilder('e')
      .select('MIN(e.seq)', 'seq')
      .where('e.occurred_at >= :cutoff', { cutoff: toSqlDateTime(cutoff) })
      .getRawOne<{ seq: number | string | null }>();
    const upToSeq = young?.seq === null || young?.seq === undefined ? head.lastSeq : Number(young.seq) - 1;
    if (upToSeq <= head.anchorSeq) return none;

    const fromSeq = head.anchorSeq + 1;
    const dir = this.config.audit.archiveDir;
    mkdirSync(dir, { recursive: true });
    const file = `audit-${String(fromSeq).padStart(12, '0')}-${String(upToSeq).padStart(12, '0')}-${new Date(now).toISOString().replace(/[:.]/g, '')}.ndjson`;
    const partial = join(dir, `${file}.partial`);
    const pages = this.range(fromSeq, upToSeq);
    await pipeline(Readable.from(exportChunks(pages, 'ndjson'), { objectMode: false }), createWriteStream(partial, { flush: true }));
    renameSync(partial, join(dir, file));

    // The event naming the new anchor is chained in the same transaction: verify accepts an anchor only with it.
    const removed = await this.store.removePrefix(upToSeq, head.anchorSeq, new Date(now), ({ removed: count, anchorHash }) =>
      this.audit.prepare({
        action: 'audit.retention.archived',
        outcome: 'success',
        target: { type: 'audit_trail', id: null },
        details: { olderThanDays, cutoff: cutoff.toISOString(), fromSeq, toSeq: upToSeq, removed: count, file, anchorHash },
      }),
    );
    if (!removed) {
      rmSync(join(dir, file), { force: true });
      this.logger.log('Audit retention: another instance archived these events first.');
      return none;
    }
    this.checkpoints.noteHead(removed.head, true);
    this.logger.log(`Audit retention: archived events ${fromSeq} to ${upToSeq} to ${file}`);
    return { archived: removed.removed, fromSeq, toSeq: upToSeq, file, anchor: { seq: upToSeq, hash: removed.anchorHash } };
  }

  /** The events fromSeq..toSeq in order, a page at a time. */
  private async *range(fromSeq: number, toSeq: number): AsyncGenerator<AuditEvent[]> {
    let cursor = fromSeq - 1;
    for (;;) {
      const page = await this.reader.page({}, { order: 'oldest', cursor, limit: this.reader.pageSize, toSeq });
      if (page.items.length) yield page.items;
      if (page.nextCursor === null) return;
      cursor = page.nextCursor;
    }
  }
}
