import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { BridgeConfig } from '#app/config';
import type { DataSourceOptions } from 'typeorm';
import { migrations } from './migrations/index.js';

export type DatabaseConfig = BridgeConfig['database'];

export { isMysql } from './driver.js';

/**
 * The DataSource options for the configured database: MySQL/MariaDB through mysql2 when a URL
 * is set, the embedded SQLite file otherwise. `synchronize` is always off: migrations only.
 */
export function buildDataSourceOptions(db: DatabaseConfig, entities: DataSourceOptions['entities'] = []): DataSourceOptions {
  const common = { entities, migrations, migrationsTableName: 'schema_migrations', synchronize: false, migrationsRun: false, logging: false } as const;
  if (db.url) {
    return {
      ...common,
      type: 'mysql',
      url: db.url.replace(/^mariadb:/, 'mysql:'),
      poolSize: db.poolSize,
      charset: 'utf8mb4_unicode_ci',
      timezone: 'Z',
      supportBigNumbers: true,
      bigNumberStrings: false,
      dateStrings: false,
    };
  }
  if (db.sqlitePath !== ':memory:') mkdirSync(dirname(db.sqlitePath), { recursive: true });
  return {
    ...common,
    type: 'better-sqlite3',
    database: db.sqlitePath,
    prepareDatabase: (sqlite: { pragma(source: string): unknown }) => {
      // WAL lets readers proceed while a sync writes; busy_timeout waits instead of failing on a lock.
      sqlite.pragma('journal_mode = WAL');
      sqlite.pragma('busy_timeout = 10000');
      sqlite.pragma('synchronous = NORMAL');
      sqlite.pragma('foreign_keys = ON');
    },
  };
}
