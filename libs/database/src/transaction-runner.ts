import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { isMysql } from './data-source-options.js';

/**
 * Runs a unit of work in one transaction. On MySQL every transaction gets its own pooled
 * connection. TypeORM's better-sqlite3 driver shares ONE connection for everything, so two
 * concurrent `dataSource.transaction()` calls would interleave on it (typeorm/typeorm#1884);
 * here they are queued, first come first served. Every multi-statement write of the bridge goes
 * through this runner.
 */
@Injectable()
export class TransactionRunner {
  private tail: Promise<unknown> = Promise.resolve();
  readonly serialised: boolean;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.serialised = !isMysql(dataSource.options);
  }

  get mysql(): boolean {
    return !this.serialised;
  }

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    if (!this.serialised) return this.dataSource.transaction(work);
    return this.enqueue(() => this.dataSource.transaction(work));
  }

  /**
   * Runs `work` on SQLite once every unit of work queued before it has ended, in the same
   * first-come queue as `transaction()`, so that nothing this runner started is open on the
   * shared connection meanwhile (e.g. a transaction driven straight on the better-sqlite3 handle,
   * as the audit trail's appends are). On MySQL it runs at once: every transaction has its own
   * connection there. Never await it inside a `transaction()` of this runner: it would wait for
   * that transaction to end.
   */
  exclusive<T>(work: () => T | Promise<T>): Promise<T> {
    if (!this.serialised) return Promise.resolve().then(work);
    return this.enqueue(work);
  }

  private enqueue<T>(work: () => T | Promise<T>): Promise<T> {
    const run = this.tail.then(work);
    // The queue goes on whether this unit of work succeeds or fails.
    this.tail = run.catch(() => undefined);
    return run;
  }
}
