import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { toSqlDateTime } from '#app/database';

interface OverrideRow {
  user_key: string;
  username: string;
}

/**
 * Usernames an operator decided to keep when the directory renamed a person (an approval that
 * answered `keep`): every later read of the directory gives that person the kept username.
 */
@Injectable()
export class UsernameOverrides {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** The kept usernames, by stable user key. */
  async all(): Promise<Map<string, string>> {
    const rows = await this.dataSource.query<OverrideRow[]>('SELECT user_key, username FROM username_override');
    return new Map(rows.map((o) => [String(o.user_key), String(o.username)]));
  }

  /** Records the decisions in the caller's transaction (a later decision for a person replaces theirs). */
  async keep(m: EntityManager, overrides: readonly { key: string; username: string }[], decidedBy: string | null): Promise<void> {
    const at = toSqlDateTime();
    for (const o of overrides) {
      await m.query('DELETE FROM username_override WHERE user_key = ?', [o.key]);
      await m.query('INSERT INTO username_override (user_key, username, decided_by, decided_at) VALUES (?, ?, ?, ?)', [o.key, o.username, decidedBy, at]);
    }
  }
}
