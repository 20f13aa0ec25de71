import { DataSource, type MigrationInterface } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDataSourceOptions, isMysql, migrations as declared, type DatabaseConfig } from '#app/database';
import { testDatabases } from '../support/databases.js';

const MIGRATIONS_TABLE = 'schema_migrations';

type MigrationClass = new () => MigrationInterface;

const nameOf = (M: MigrationClass): string => new M().name ?? M.name;
const stampOf = (M: MigrationClass): number => Number(/(\d{13})$/.exec(nameOf(M))?.[1]);
/** TypeORM runs migrations in timestamp order, whatever the order of the array. */
const migrations = [...declared].sort((a, b) => stampOf(a) - stampOf(b));

async function open(database: DatabaseConfig, only: readonly MigrationClass[] = migrations): Promise<DataSource> {
  return new DataSource({ ...buildDataSourceOptions(database), migrations: [...only] }).initialize();
}

async function tableNames(ds: DataSource): Promise<string[]> {
  const rows: { name: string }[] = isMysql(ds.options)
    ? await ds.query('SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE()')
    : await ds.query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'");
  return rows.map((r) => r.name).sort();
}

/** Tables, their columns and their indices: what a migration's down must undo exactly. */
async function schema(ds: DataSource): Promise<string[]> {
  const names = (await tableNames(ds)).filter((n) => n !== MIGRATIONS_TABLE);
  const runner = ds.createQueryRunner();
  try {
    const tables = await runner.getTables(names);
    return tables
      .map((t) => {
        const columns = t.columns.map((c) => `${c.name}:${c.type}${c.isNullable ? '?' : ''}`).sort();
        const indices = t.indices.map((i) => `${i.name ?? ''}(${i.columnNames.join(',')})${i.isUnique ? '!' : ''}`).sort();
        return `${t.name} [${columns.join(' ')}] {${indices.join(' ')}}`;
      })
      .sort();
  } finally {
    await runner.release();
  }
}

describe.each(testDatabases())('migrations on $kind', (db) => {
  let database: DatabaseConfig;
  /** The schema after migrations[0..i] ran, for every i. */
  const after: string[][] = [];

  beforeAll(async () => {
    database = await db.create();
  });
  afterAll(() => db.dropAll());

  it('has migrations with unique names ending in a 13-digit timestamp', () => {
    expect(migrations.length).toBeGreaterThan(0);
    const names = migrations.map(nameOf);
    expect(new Set(names).size).toBe(names.length);
    expect(names.filter((n) => !/\d{13}$/.test(n))).toEqual([]);
    expect(new Set(migrations.map(stampOf)).size).toBe(names.length);
  });

  it('applies every migration, one after the other', async () => {
    for (let i = 0; i < migrations.length; i += 1) {
      const ds = await open(database, migrations.slice(0, i + 1));
      try {
        const applied = await ds.runMigrations({ transaction: 'each' });
        expect(applied.map((m) => m.name)).toEqual([nameOf(migrations[i])]);
        after.push(await schema(ds));
      } finally {
        await ds.destroy();
      }
    }
    const ds = await open(database);
    try {
      expect(await ds.showMigrations()).toBe(false);
      expect(await tableNames(ds)).toEqual(expect.arrayContaining([MIGRATIONS_TABLE, 'api_client']));
    } finally {
      await ds.destroy();
    }
  });

  it('undoes every migration exactly, newest first, down to an empty schema', async () => {
    const ds = await open(database);
    try {
      for (let i = migrations.length - 1; i >= 0; i -= 1) {
        await ds.undoLastMigration({ transaction: 'each' });
        const expected = i === 0 ? [] : after[i - 1];
        expect(await schema(ds), `after undoing ${migrations[i].name}`).toEqual(expected);
      }
      expect(await tableNames(ds)).toEqual([MIGRATIONS_TABLE]);
      expect(await ds.query(`SELECT * FROM ${MIGRATIONS_TABLE}`)).toEqual([]);
    } finally {
      await ds.destroy();
    }
  });

  it('applies them all again after that', async () => {
    const ds = await open(database);
    try {
      const applied = await ds.runMigrations({ transaction: 'each' });
      expect(applied).toHaveLength(migrations.length);
      expect(await schema(ds)).toEqual(after[after.length - 1]);
    } finally {
      await ds.destroy();
    }
  });
});
