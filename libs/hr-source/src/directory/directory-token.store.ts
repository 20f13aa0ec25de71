import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

export interface StoredToken {
  token: string;
  expiresAt: number;
}

/** The one directory token, in the database so that every instance uses the same one. */
@Injectable()
export class DirectoryTokenStore {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async read(): Promise<StoredToken | null> {
    const rows = await this.dataSource.query<{ access_token: string | null; expires_at: number | string }[]>(
      "SELECT access_token, expires_at FROM directory_token WHERE name = 'default'",
    );
    const row = rows[0];
    return row?.access_token ? { token: row.access_token, expiresAt: Number(row.expires_at) } : null;
  }

  /** Claims the right to fetch a new token for `ttlMs`; false when another instance holds it. */
  async claimRefresh(holder: string, ttlMs: number): Promise<boolean> {
    const now = Date.now();
    const result = await this.dataSource
      .createQueryBuilder()
      .update('directory_token')
      .set({ refresher: holder, refresh_until: now + ttlMs })
      .where("name = 'default' AND (refresher IS NULL OR refresh_until < :now OR refresher = :holder)", { now, holder })
      .execute();
    return (result.affected ?? 0) === 1;
  }

  /** Who holds an unexpired claim to refresh the token, if anyone. */
  async refresher(): Promise<string | null> {
    const rows = await this.dataSource.query<{ refresher: string | null }[]>(
      "SELECT refresher FROM directory_token WHERE name = 'default' AND refresh_until >= ?",
      [Date.now()],
    );
    return rows[0]?.refresher ?? null;
  }

  async save(holder: string, token: string, expiresAt: number, issuedAt: number): Promise<void> {
    await this.dataSource
      .createQueryBuilder()
      .update('directory_token')
      .set({ access_token: token, expires_at: expiresAt, issued_at: issuedAt, refresher: null, refresh_until: 0 })
      .where("name = 'default' AND refresher = :holder", { holder })
      .execute();
  }

  async releaseRefresh(holder: string): Promise<void> {
    await this.dataSource
      .createQueryBuilder()
      .update('directory_token')
      .set({ refresher: null, refresh_until: 0 })
      .where("name = 'default' AND refresher = :holder", { holder })
      .execute();
  }

  /** Marks `token` unusable, unless another instance already replaced it. */
  async invalidate(token: string): Promise<void> {
    await this.dataSource
      .createQueryBuilder()
      .update('directory_token')
      .set({ expires_at: 0 })
      .where("name = 'default' AND access_token = :token", { token })
      .execute();
  }
}
