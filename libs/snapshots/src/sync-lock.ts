import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

/**
 * One sync at a time across every instance sharing the database: a row taken with a
 * conditional UPDATE (atomic on MySQL and SQLite), with an expiry renewed while the run lives,
 * so that a crashed holder does not block syncs forever. SyncLease decides when to take,
 * renew and release it.
 */
@Injectable()
export class SyncLock {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async acquire(holder: string, ttlMs: number): Promise<boolean> {
    const now = Date.now();
    const result = await this.dataSource
      .createQueryBuilder()
      .update('sync_lock')
      .set({ holder, expires_at: now + ttlMs })
      .where("name = 'sync' AND (holder IS NULL OR expires_at < :now OR holder = :holder)", { now, holder })
      .execute();
    return (result.affected ?? 0) === 1;
  }

  async renew(holder: string, ttlMs: number): Promise<boolean> {
    const result = await this.dataSource
      .createQueryBuilder()
      .update('sync_lock')
      .set({ expires_at: Date.now() + ttlMs })
      .where("name = 'sync' AND holder = :holder", { holder })
      .execute();
    return (result.affected ?? 0) === 1;
  }

  /** Who holds the lock now, and until when (epoch ms); null when it is free. */
  async current(): Promise<{ holder: string; expiresAt: number } | null> {
    const rows = await this.dataSource.query<{ holder: string | null; expires_at: number | string }[]>(
      "SELECT holder, expires_at FROM sync_lock WHERE name = 'sync'",
    );
    const row = rows[0];
    return row?.holder ? { holder: row.holder, expiresAt: Number(row.expires_at) } : null;
  }

  /** Frees the lock if `holder` still holds it (never another's). */
  async release(holder: string): Promise<void> {
    await this.dataSource
      .createQueryBuilder()
      .update('sync_lock')
      .set({ holder: null, expires_at: 0 })
      .where("name = 'sync' AND holder = :holder", { holder })
      .execute();
  }
}
