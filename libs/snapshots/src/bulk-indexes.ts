import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { isMysql } from '#app/database';
import { PERSON_KEY_INDEXES } from './text-keys.js';

/** An index a bulk write may drop and build again, as its migration created it. */
export interface BulkIndex {
  table: 'person' | 'person_group';
  name: string;
  column: string;
}

/**
 * SQLite: the secondary indexes the first sync fills row by row in random order, the B-trees of
 * person's texts and of their collation keys (migrations 1763890000000, 1763910000000,
 * 1764140000000) and of person_group's department codes. A large insert into an almost empty
 * `person` drops them and builds them again afterwards, each sorted at once (~0.1 s for 100,000
 * people) instead of split page by page (bench:sync's first sync at 100,000 people, write phase:
 * 13.3-22.1 s with every index, 7.7-11.8 s without the key indexes, 6.5 s without all of these).
 * The unique ones stay: they guard what the write inserts.
 */
export const BULK_INDEXES: readonly BulkIndex[] = [
  ...PERSON_KEY_INDEXES.map((index) => ({ table: 'person' as const, ...index })),
  ...['username', 'email', 'ad_no', 'nick_name', 'state'].map((column) => ({ table: 'person' as const, name: `ix_person_${column}`, column })),
  { table: 'person_group', name: 'ix_person_group_group_no', column: 'group_no' },
];

/** Drops and builds BULK_INDEXES (SQLite only; on MySQL every method does nothing). */
@Injectable()
export class BulkIndexes implements OnModuleInit {
  private readonly sqlite: boolean;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.sqlite = !isMysql(dataSource.options);
  }

  /** A write that stopped between dropping and building them: they are built at start-up. */
  async onModuleInit(): Promise<void> {
    await this.ensure();
  }

  /** Drops them, before a bulk insert. */
  async drop(): Promise<void> {
    if (!this.sqlite) return;
    for (const index of BULK_INDEXES) await this.dataSource.query(`DROP INDEX IF EXISTS "${index.name}"`);
  }

  /** Builds those that are missing; `between` runs after each (the event loop's turn: each is one synchronous statement). */
  async ensure(between?: () => Promise<void>): Promise<void> {
    if (!this.sqlite) return;
    // Not before the last migration that made one (MIGRATIONS_RUN=false and the migrations not run yet).
    const columns = await this.dataSource.query<{ n: number }[]>(`SELECT COUNT(*) AS n FROM pragma_table_info('person') WHERE name = ?`, [
      PERSON_KEY_INDEXES[0].column,
    ]);
    if (!Number(columns[0]?.n)) return;
    for (const index of BULK_INDEXES) {
      await this.dataSource.query(`CREATE INDEX IF NOT EXISTS "${index.name}" ON "${index.table}" ("${index.column}")`);
      await between?.();
    }
  }
}
