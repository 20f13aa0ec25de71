import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildDataSourceOptions, isMysql } from './data-source-options.js';
import { migrations } from './migrations/index.js';

const dir = mkdtempSync(join(tmpdir(), 'ds-options-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('buildDataSourceOptions', () => {
  it('uses MySQL through mysql2 when a URL is configured, with synchronize off and every migration', () => {
    const options = buildDataSourceOptions({ url: 'mysql://u:p@db:3306/bridge', sqlitePath: '', poolSize: 7, migrationsRun: true });
    expect(options).toMatchObject({
      type: 'mysql',
      url: 'mysql://u:p@db:3306/bridge',
      poolSize: 7,
      synchronize: false,
      migrationsRun: false,
      charset: 'utf8mb4_unicode_ci',
    });
    expect(options.migrations).toBe(migrations);
    expect(options.migrationsTableName).toBe('schema_migrations');
    expect(isMysql(options)).toBe(true);
  });

  it('accepts mariadb:// URLs', () => {
    const options = buildDataSourceOptions({ url: 'mariadb://u:p@db/bridge', sqlitePath: '', poolSize: 1, migrationsRun: true });
    expect(options).toMatchObject({ type: 'mysql', url: 'mysql://u:p@db/bridge' });
  });

  it('uses the SQLite file otherwise, creating its directory', () => {
    const path = join(dir, 'nested', 'deeper', 'bridge.sqlite');
    const options = buildDataSourceOptions({ url: undefined, sqlitePath: path, poolSize: 1, migrationsRun: true });
    expect(options).toMatchObject({ type: 'better-sqlite3', database: path, synchronize: false });
    expect(existsSync(join(dir, 'nested', 'deeper'))).toBe(true);
    expect(isMysql(options)).toBe(false);
  });
});
