import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { TransactionRunner } from '#app/database';
import { keyColumn, TextKeys, USER_KEY_FIELDS } from './text-keys.js';

/** Rows read and re-keyed per transaction. */
const PAGE = 1000;

/** The tables holding texts with stored keys, and those texts. */
const KEYED: readonly { table: string; texts: readonly string[] }[] = [
  { table: 'person', texts: USER_KEY_FIELDS },
  { table: 'user_version', texts: USER_KEY_FIELDS },
  { table: 'department', texts: ['group_no', 'display_name'] },
  { table: 'group_version', texts: ['display_name'] },
];

/**
 * Brings SQLite's stored collation keys in line with OMFLOW_COLLATION at start-up, before the
 * bridge answers: rows written before the keys existed (migration 1764140000000) and every row
 * after the collation changed are re-keyed, page by page; `sync_state.collation_keys` then names
 * the collation. Nothing to do on MySQL, or when the keys already follow the collation.
 */
@Injectable()
export class CollationKeyFill implements OnModuleInit {
  private readonly logger = new Logger(CollationKeyFill.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly tx: TransactionRunner,
    private readonly keys: TextKeys,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.fill();
  }

  /** Re-keys what does not follow the configured collation; answers how many rows were re-keyed. */
  async fill(): Promise<number> {
    if (!this.keys.stored) return 0;
    const name = this.keys.collation.name;
    const state = await this.dataSource.query<{ c: string | null }[]>('SELECT collation_keys AS c FROM sync_state WHERE id = 1');
    if (state[0]?.c === name) return 0;
    const started = Date.now();
    let rows = 0;
    for (const { table, texts } of KEYED) {
      const update = `UPDATE ${table} SET ${texts.map((t) => `${keyColumn(t)} = ?`).join(', ')} WHERE id = ?`;
      for (let after = 0; ;) {
        const page = await this.dataSource.query<Record<string, unknown>[]>(
          `SELECT id, ${texts.join(', ')} FROM ${table} WHERE id > ? ORDER BY id LIMIT ${PAGE}`,
          [after],
        );
        if (!page.length) break;
        await this.tx.transaction(async (m) => {
          for (const row of page) {
            await m.query(update, [...texts.map((t) => this.keys.key(row[t] === null || row[t] === undefined ? null : String(row[t] as string))), row.id]);
          }
        });
        rows += page.length;
        after = Number(page[page.length - 1].id);
        if (page.length < PAGE) break;
      }
    }
    await this.dataSource.query('UPDATE sync_state SET collation_keys = ? WHERE id = 1', [name]);
    this.logger.log(`Collation keys now follow ${name} (OMFLOW_COLLATION): ${rows} rows re-keyed in ${Date.now() - started} ms`);
    return rows;
  }
}
