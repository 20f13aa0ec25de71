import { DataSource, QueryFailedError } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDataSourceOptions, DirectSql, TransactionRunner } from '#app/database';
import { testDatabases } from '../support/databases.js';

/**
 * DirectSql runs the hot statements straight on the driver: it must answer exactly what
 * TypeORM's dataSource.query() answers on the same connection (row shapes, types, bound values),
 * report failures the same way, and see what the bridge's own transactions committed.
 */
describe.each(testDatabases())('DirectSql on $kind', (db) => {
  let ds: DataSource;
  let sql: DirectSql;

  beforeAll(async () => {
    ds = await new DataSource({ ...buildDataSourceOptions(await db.create()) }).initialize();
    sql = new DirectSql(ds);
    await ds.query('CREATE TABLE direct_probe (id INT PRIMARY KEY, label VARCHAR(32) NULL, flag INT NOT NULL, at DATETIME NULL)');
    await ds.query('INSERT INTO direct_probe (id, label, flag, at) VALUES (1, ?, 1, ?), (2, NULL, 0, NULL)', ['ünïcode ✓', '2026-01-02 03:04:05']);
  });

  afterAll(async () => {
    await ds?.destroy();
    await db.dropAll();
  });

  it('answers the rows dataSource.query() answers, with the same types', async () => {
    const statement = 'SELECT id, label, flag, at FROM direct_probe ORDER BY id';
    expect(await sql.rows(statement)).toEqual(await ds.query(statement));
    // Twice: the second run uses the statement kept compiled on SQLite.
    expect(await sql.rows('SELECT label FROM direct_probe WHERE id = ?', [1])).toEqual([{ label: 'ünïcode ✓' }]);
    expect(await sql.rows('SELECT label FROM direct_probe WHERE id = ?', [2])).toEqual([{ label: null }]);
    expect(await sql.rows('SELECT id FROM direct_probe WHERE id = ?', [99])).toEqual([]);
  });

  it('binds booleans as 1 and 0, as TypeORM does', async () => {
    expect(await sql.rows('SELECT id FROM direct_probe WHERE flag = ?', [true])).toEqual([{ id: 1 }]);
    expect(await sql.rows('SELECT id FROM direct_probe WHERE flag = ?', [false])).toEqual([{ id: 2 }]);
  });

  it('runs writes and answers how many rows they changed', async () => {
    expect(await sql.run('UPDATE direct_probe SET label = ? WHERE id = ?', ['changed', 2])).toBe(1);
    expect(await sql.run('UPDATE direct_probe SET label = ? WHERE id = ?', ['changed', 99])).toBe(0);
    expect(await ds.query('SELECT label FROM direct_probe WHERE id = 2')).toEqual([{ label: 'changed' }]);
  });

  it("sees what a TransactionRunner transaction committed, and nothing of one that rolled back", async () => {
    const tx = new TransactionRunner(ds);
    await tx.transaction((m) => m.query('UPDATE direct_probe SET label = ? WHERE id = 1', ['committed']));
    await expect(
      tx.transaction(async (m) => {
        await m.query('UPDATE direct_probe SET label = ? WHERE id = 1', ['rolled back']);
        throw new Error('undo');
      }),
    ).rejects.toThrow('undo');
    expect(await sql.rows('SELECT label FROM direct_probe WHERE id = 1')).toEqual([{ label: 'committed' }]);
  });

  it('fails as TypeORM does: a QueryFailedError carrying the driver error, for reads and writes', async () => {
    const read = await sql.rows('SELECT nope FROM direct_probe').catch((e: unknown) => e);
    expect(read).toBeInstanceOf(QueryFailedError);
    expect((read as QueryFailedError).driverError).toBeDefined();
    const write = await sql.run('INSERT INTO direct_probe (id, flag) VALUES (?, ?)', [1, 0]).catch((e: unknown) => e);
    expect(write).toBeInstanceOf(QueryFailedError);
    expect(String((write as QueryFailedError).message)).toMatch(/duplicate|unique/i);
  });
});
