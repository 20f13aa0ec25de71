import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import type { DatabaseConfig } from '#app/database';

/**
 * The databases every database test runs on: SQLite always, MySQL/MariaDB as well when
 * TEST_MYSQL_URL is set (`.ci/run` sets it). Use with `describe.each(testDatabases())`.
 */
export interface TestDatabase {
  kind: 'sqlite' | 'mysql';
  /** Creates a fresh, empty database of its own and returns its configuration. */
  create(): Promise<DatabaseConfig>;
  /** Drops every database this handle created. */
  dropAll(): Promise<void>;
}

const checkpointFileNamed = (name: string) => join(tmpdir(), `bridge-audit-checkpoints-${name}.ndjson`);

/**
 * The audit checkpoint file of a MySQL test database: the bridge's default (./data) would be
 * shared by every suite, and checkpoints of one database are alarms on another.
 */
export function checkpointFileOf(database: DatabaseConfig): string {
  return checkpointFileNamed(new URL(database.url ?? 'mysql://localhost/none').pathname.slice(1));
}

export function testDatabases(): TestDatabase[] {
  const out: TestDatabase[] = [sqliteDatabase()];
  const url = process.env.TEST_MYSQL_URL;
  if (url) out.push(mysqlDatabase(url));
  return out;
}

function sqliteDatabase(): TestDatabase {
  const dirs: string[] = [];
  return {
    kind: 'sqlite',
    create() {
      const dir = mkdtempSync(join(tmpdir(), 'bridge-test-'));
      dirs.push(dir);
      return Promise.resolve({ url: undefined, sqlitePath: join(dir, 'bridge.sqlite'), poolSize: 5, migrationsRun: true });
    },
    dropAll() {
      for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
      return Promise.resolve();
    },
  };
}

function mysqlDatabase(baseUrl: string): TestDatabase {
  const created: string[] = [];
  const admin = () => createConnection({ uri: baseUrl, multipleStatements: false });
  return {
    kind: 'mysql',
    async create() {
      const name = `bridge_t_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
      const conn = await admin();
      try {
        await conn.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
      } finally {
        await conn.end();
      }
      created.push(name);
      const url = new URL(baseUrl);
      url.pathname = `/${name}`;
      return { url: url.toString(), sqlitePath: '', poolSize: 5, migrationsRun: true };
    },
    async dropAll() {
      if (!created.length) return;
      const conn = await admin();
      try {
        for (const name of created.splice(0)) {
          await conn.query(`DROP DATABASE IF EXISTS \`${name}\``);
          rmSync(checkpointFileNamed(name), { force: true });
        }
      } finally {
        await conn.end();
      }
    },
  };
}
