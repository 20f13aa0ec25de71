import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Database as SqliteDatabase, Statement } from 'better-sqlite3';
import { type DataSource, QueryFailedError } from 'typeorm';
import { isMysql } from './driver.js';

/** Statements kept compiled per SQLite connection (the hot ones are a handful; TypeORM keeps 100 too). */
const SQLITE_STATEMENTS = 200;

interface MysqlConnection {
  query(sql: string, values: readonly unknown[], callback: (error: Error | null, result: unknown) => void): void;
  release(): void;
}
interface MysqlDriverLike {
  pool?: { getConnection(callback: (error: Error | null, connection: MysqlConnection) => void): void };
  prepareDbConnection(connection: MysqlConnection): MysqlConnection;
}

/**
 * Runs the bridge's hottest statements (those of every authenticated query API call and every
 * login) straight on the driver, with the same connection, pool and row types TypeORM's
 * `dataSource.query()` would use, but without its per-call work (query runner, broadcaster,
 * promise wrapper, row copy): measured at about 10 µs a statement on SQLite, as much as running
 * the indexed statement itself. SQLite statements stay compiled. Outside transactions only, as
 * `dataSource.query()`: on SQLite it shares the one connection just the same.
 */
@Injectable()
export class DirectSql {
  private readonly mysql: boolean;
  private sqlite: { db: SqliteDatabase; statements: Map<string, Statement> } | null = null;
  /** SQL functions of the bridge's own, defined on every SQLite connection this class sees. */
  private readonly functions = new Map<string, (value: unknown) => unknown>();

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.mysql = isMysql(dataSource.options);
  }

  /** The rows a SELECT answers. */
  rows<T>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    if (this.mysql) return this.onMysql(sql, params) as Promise<T[]>;
    try {
      return Promise.resolve(this.statement(sql).all(...sqliteValues(params)) as T[]);
    } catch (error) {
      return Promise.reject(new QueryFailedError(sql, [...params], error as Error));
    }
  }

  /** Runs a write; resolves with the number of rows it changed. */
  async run(sql: string, params: readonly unknown[] = []): Promise<number> {
    if (this.mysql) return Number(((await this.onMysql(sql, params)) as { affectedRows?: number }).affectedRows ?? 0);
    try {
      return this.statement(sql).run(...sqliteValues(params)).changes;
    } catch (error) {
      throw new QueryFailedError(sql, [...params], error as Error);
    }
  }

  /**
   * Defines a deterministic one-argument SQL function on SQLite (none on MySQL), for the statements
   * run here. It is defined again whenever the connection changes.
   */
  defineFunction(name: string, fn: (value: unknown) => unknown): void {
    if (this.mysql) return;
    this.functions.set(name, fn);
    this.connection().db.function(name, { deterministic: true }, fn);
  }

  /** The SQLite connection and its compiled statements; a new connection gets every function (checked per statement: a pointer comparison). */
  private connection(): { db: SqliteDatabase; statements: Map<string, Statement> } {
    const db = (this.dataSource.driver as unknown as { databaseConnection: SqliteDatabase }).databaseConnection;
    if (this.sqlite?.db !== db) {
      this.sqlite = { db, statements: new Map() };
      for (const [name, fn] of this.functions) db.function(name, { deterministic: true }, fn);
    }
    return this.sqlite;
  }

  private statement(sql: string): Statement {
    const { db, statements } = this.connection();
    let statement = statements.get(sql);
    if (statement) {
      // Least recently used goes first: a long paged read (a statement per page) does not push out the hot ones.
      statements.delete(sql);
    } else {
      statement = db.prepare(sql);
      if (statements.size >= SQLITE_STATEMENTS) statements.delete(statements.keys().next().value!);
    }
    statements.set(sql, statement);
    return statement;
  }

  private onMysql(sql: string, params: readonly unknown[]): Promise<unknown> {
    const driver = this.dataSource.driver as unknown as MysqlDriverLike;
    return new Promise((resolve, reject) => {
      if (!driver.pool) return reject(new Error('The MySQL pool is not open'));
      driver.pool.getConnection((error, raw) => {
        if (error) return reject(error);
        // TypeORM's own error listener on the connection, as its query runners attach it.
        const connection = driver.prepareDbConnection(raw);
        connection.query(sql, params, (failure, result) => {
          connection.release();
          if (failure) reject(new QueryFailedError(sql, [...params], failure));
          else resolve(result);
        });
      });
    });
  }
}

/** Bound values as TypeORM's better-sqlite3 runner passes them: booleans as 1 and 0. */
function sqliteValues(params: readonly unknown[]): unknown[] {
  return params.map((p) => (typeof p === 'boolean' ? (p ? 1 : 0) : p));
}
