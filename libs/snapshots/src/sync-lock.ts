import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

/**
 * One sync at a time across every instance sharing the database: a row taken with a
 * conditional UPDATE (atomic on MySQL and SQLite), with an expiry renewed while the run lives,
 * so that a crashed holder does not block syncs forever.
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

  async release(holder: string): Promise<void> {
    await this.dataSource
      .createQueryBuilder()
      .update('sync_lock')
      .set({ holder: null, expires_at: 0 })
      .where("name = 'sync' AND holder = :holder", { holder })
      .execute();
  }
}
