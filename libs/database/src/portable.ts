import { TableColumn, type QueryRunner, type TableColumnOptions } from 'typeorm';
import { isMysql } from './driver.js';

/**
 * Column builders that give the same behaviour on MySQL/MariaDB and SQLite, so that one set of
 * migrations serves both. Case-insensitive text (`ci`) follows OMFLOW's MySQL collations:
 * utf8mb4_unicode_ci on MySQL, NOCASE on SQLite.
 */
export class Columns {
  readonly mysql: boolean;

  constructor(queryRunner: QueryRunner) {
    this.mysql = isMysql(queryRunner.connection.driver.options);
  }

  /** Auto-increment primary key (64-bit on MySQL; SQLite's INTEGER PRIMARY KEY is 64-bit too). */
  id(name = 'id'): TableColumnOptions {
    return { name, type: this.mysql ? 'bigint' : 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment', unsigned: this.mysql };
  }

  string(name: string, length: number, opts: { nullable?: boolean; ci?: boolean; primary?: boolean; default?: string } = {}): TableColumnOptions {
    return {
      name,
      type: 'varchar',
      length: String(length),
      isNullable: opts.nullable ?? false,
      isPrimary: opts.primary ?? false,
      ...(opts.default === undefined ? {} : { default: `'${opts.default}'` }),
      ...this.textCollation(opts.ci ?? false),
    };
  }

  /** Long text (up to 4 GB on MySQL). */
  text(name: string, opts: { nullable?: boolean } = {}): TableColumnOptions {
    return { name, type: this.mysql ? 'longtext' : 'text', isNullable: opts.nullable ?? false, ...this.textCollation(false) };
  }

  /** Binary data (gzip'd payloads). */
  blob(name: string, opts: { nullable?: boolean } = {}): TableColumnOptions {
    return { name, type: this.mysql ? 'longblob' : 'blob', isNullable: opts.nullable ?? false };
  }

  int(name: string, opts: { nullable?: boolean; default?: number } = {}): TableColumnOptions {
    return { name, type: 'integer', isNullable: opts.nullable ?? false, ...(opts.default === undefined ? {} : { default: opts.default }) };
  }

  bigint(name: string, opts: { nullable?: boolean; default?: number } = {}): TableColumnOptions {
    return { name, type: 'bigint', isNullable: opts.nullable ?? false, ...(opts.default === undefined ? {} : { default: opts.default }) };
  }

  bool(name: string, def: boolean): TableColumnOptions {
    return { name, type: 'boolean', isNullable: false, default: def ? 1 : 0 };
  }

  /** Millisecond-precision UTC timestamp. */
  datetime(name: string, opts: { nullable?: boolean } = {}): TableColumnOptions {
    return { name, type: 'datetime', precision: this.mysql ? 3 : undefined, isNullable: opts.nullable ?? false };
  }

  column(options: TableColumnOptions): TableColumn {
    return new TableColumn(options);
  }

  private textCollation(ci: boolean): Partial<TableColumnOptions> {
    if (this.mysql) return { charset: 'utf8mb4', collation: ci ? 'utf8mb4_unicode_ci' : 'utf8mb4_bin' };
    return ci ? { collation: 'NOCASE' } : {};
  }
}
