import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Database as SqliteDatabase } from 'better-sqlite3';
import type { DataSource, EntityManager, QueryRunner } from 'typeorm';
import { isMysql, toSqlDateTime } from '#app/database';
import type { ChainHead, PreparedAuditEvent, StoredAuditEvent } from './audit.types.js';
import { hashEvent } from './chain.js';

const COLUMNS = [
  'seq',
  'occurred_at',
  'actor_kind',
  'actor_id',
  'action',
  'target_type',
  'target_id',
  'outcome',
  'request_id',
  'source_ip',
  'details',
  'prev_hash',
  'hash',
];
/** Rows per INSERT statement: 13 parameters each stays far below SQLite's 32766 limit. */
const ROWS_PER_INSERT = 250;
/** MySQL errors worth retrying: a deadlock or a lock wait timeout (Galera certification failures report 1213 too). */
const RETRYABLE_MYSQL = new Set([1213, 1205]);

interface HeadRow {
  last_seq: number | string;
  last_hash: string;
  anchor_seq: number | string;
  anchor_hash: string;
}

function toHead(row: HeadRow | undefined): ChainHead {
  if (!row) throw new Error('audit_chain_head has no row: the audit migration did not run');
  return { lastSeq: Number(row.last_seq), lastHash: row.last_hash, anchorSeq: Number(row.anchor_seq), anchorHash: row.anchor_hash };
}

function chain(events: PreparedAuditEvent[], head: ChainHead): StoredAuditEvent[] {
  let seq = head.lastSeq;
  let prevHash = head.lastHash;
  return events.map((event) => {
    seq += 1;
    const hash = hashEvent(seq, event, prevHash);
    const stored: StoredAuditEvent = { ...event, seq, prevHash, hash };
    prevHash = hash;
    return stored;
  });
}

function rowParams(e: StoredAuditEvent): unknown[] {
  return [
    e.seq,
    toSqlDateTime(e.occurredAt),
    e.actorKind,
    e.actorId,
    e.action,
    e.targetType,
    e.targetId,
    e.outcome,
    e.requestId,
    e.sourceIp,
    e.details,
    e.prevHash,
    e.hash,
  ];
}

function insertSql(rows: number): string {
  const tuple = `(${COLUMNS.map(() => '?').join(', ')})`;
  return `INSERT INTO audit_event (${COLUMNS.join(', ')}) VALUES ${Array.from({ length: rows }, () => tuple).join(', ')}`;
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The only code that writes audit rows. Each append takes the chain head under a lock, chains
 * the batch onto it, inserts it and moves the head, in one transaction: a total order across
 * every writer of the database. SQLite runs the transaction synchronously on the driver's own
 * handle (BEGIN IMMEDIATE), so no other query of this process can interleave with it; MySQL
 * locks the head row with SELECT ... FOR UPDATE.
 */
@Injectable()
export class AuditStore {
  private readonly mysql: boolean;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.mysql = isMysql(dataSource.options);
  }

  async head(): Promise<ChainHead> {
    const rows: HeadRow[] = await this.dataSource.query('SELECT last_seq, last_hash, anchor_seq, anchor_hash FROM audit_chain_head WHERE id = 1');
    return toHead(rows[0]);
  }

  /** Appends the events in order; resolves with them as stored once committed. */
  async append(events: PreparedAuditEvent[]): Promise<StoredAuditEvent[]> {
    if (!events.length) return [];
    if (!this.mysql) {
      const db = await this.sqliteIdle();
      return db
        .transaction(() => {
          const head = toHead(
            db.prepare('SELECT last_seq, last_hash, anchor_seq, anchor_hash FROM audit_chain_head WHERE id = 1').get() as HeadRow | undefined,
          );
          const stored = chain(events, head);
          for (const part of chunks(stored, ROWS_PER_INSERT)) db.prepare(insertSql(part.length)).run(part.flatMap(rowParams));
          const last = stored[stored.length - 1];
          db.prepare('UPDATE audit_chain_head SET last_seq = ?, last_hash = ? WHERE id = 1').run(last.seq, last.hash);
          return stored;
        })
        .immediate();
    }
    return this.mysqlTransaction(async (qr) => {
      const rows = (await qr.query('SELECT last_seq, last_hash, anchor_seq, anchor_hash FROM audit_chain_head WHERE id = 1 FOR UPDATE')) as HeadRow[];
      const head = toHead(rows[0]);
      const stored = chain(events, head);
      for (const part of chunks(stored, ROWS_PER_INSERT)) await qr.query(insertSql(part.length), part.flatMap(rowParams));
      const last = stored[stored.length - 1];
      await qr.query('UPDATE audit_chain_head SET last_seq = ?, last_hash = ? WHERE id = 1', [last.seq, last.hash]);
      return stored;
    });
  }

  /**
   * Appends the events inside the caller's open transaction, so that they commit (or roll back)
   * with the caller's own writes: a publish and its audit event are one step. The chain head is
   * taken the same way as in append(): FOR UPDATE on MySQL, held until the caller commits (so
   * call this last in the transaction); on SQLite the caller's transaction already has the one
   * connection, and append() waits until it is closed.
   */
  async appendWithin(m: EntityManager, events: PreparedAuditEvent[]): Promise<StoredAuditEvent[]> {
    if (!events.length) return [];
    const rows = await m.query<HeadRow[]>(
      `SELECT last_seq, last_hash, anchor_seq, anchor_hash FROM audit_chain_head WHERE id = 1${this.mysql ? ' FOR UPDATE' : ''}`,
    );
    const stored = chain(events, toHead(rows[0]));
    for (const part of chunks(stored, ROWS_PER_INSERT)) await m.query(insertSql(part.length), part.flatMap(rowParams));
    const last = stored[stored.length - 1];
    await m.query('UPDATE audit_chain_head SET last_seq = ?, last_hash = ? WHERE id = 1', [last.seq, last.hash]);
    return stored;
  }

  /**
   * Removes the events up to `upToSeq` (an archived prefix of the chain) and records the last
   * one's hash as the anchor the remaining chain starts from. Does nothing and returns null when
   * the anchor is no longer `expectedAnchorSeq` (another instance ran retention meanwhile).
   */
  async removePrefix(upToSeq: number, expectedAnchorSeq: number, now: Date): Promise<{ removed: number; anchorHash: string } | null> {
    const headSql = 'SELECT last_seq, last_hash, anchor_seq, anchor_hash FROM audit_chain_head WHERE id = 1';
    if (!this.mysql) {
      const db = await this.sqliteIdle();
      return db
        .transaction(() => {
          const head = toHead(db.prepare(headSql).get() as HeadRow | undefined);
          if (head.anchorSeq !== expectedAnchorSeq || upToSeq > head.lastSeq) return null;
          const last = db.prepare('SELECT hash FROM audit_event WHERE seq = ?').get(upToSeq) as { hash: string } | undefined;
          if (!last) throw new Error(`audit event ${upToSeq} is missing: the chain is broken, retention refuses to anchor on it`);
          const result = db.prepare('DELETE FROM audit_event WHERE seq <= ?').run(upToSeq);
          db.prepare('UPDATE audit_chain_head SET anchor_seq = ?, anchor_hash = ?, anchor_at = ? WHERE id = 1').run(upToSeq, last.hash, toSqlDateTime(now));
          return { removed: result.changes, anchorHash: last.hash };
        })
        .immediate();
    }
    return this.mysqlTransaction(async (qr) => {
      const head = toHead(((await qr.query(`${headSql} FOR UPDATE`)) as HeadRow[])[0]);
      if (head.anchorSeq !== expectedAnchorSeq || upToSeq > head.lastSeq) return null;
      const last = ((await qr.query('SELECT hash FROM audit_event WHERE seq = ?', [upToSeq])) as { hash: string }[])[0];
      if (!last) throw new Error(`audit event ${upToSeq} is missing: the chain is broken, retention refuses to anchor on it`);
      const result = (await qr.query('DELETE FROM audit_event WHERE seq <= ?', [upToSeq])) as { affectedRows?: number };
      await qr.query('UPDATE audit_chain_head SET anchor_seq = ?, anchor_hash = ?, anchor_at = ? WHERE id = 1', [upToSeq, last.hash, toSqlDateTime(now)]);
      return { removed: Number(result.affectedRows ?? 0), anchorHash: last.hash };
    });
  }

  /**
   * The better-sqlite3 handle once no TypeORM transaction is open on it: a transaction begun
   * there would otherwise swallow ours (as a savepoint) and could roll it back after we reported
   * the events stored.
   */
  private async sqliteIdle(): Promise<SqliteDatabase> {
    const db = (this.dataSource.driver as unknown as { databaseConnection: SqliteDatabase }).databaseConnection;
    for (let waited = 0; db.inTransaction; waited++) {
      if (waited > 10_000)
        throw new Error(
          'the SQLite connection stayed inside a transaction for more than 10 s (is AuditService.record() awaited inside an open TypeORM transaction? Record after the commit)',
        );
      await sleep(1);
    }
    return db;
  }

  private async mysqlTransaction<T>(work: (qr: QueryRunner) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const qr = this.dataSource.createQueryRunner();
      try {
        await qr.connect();
        await qr.startTransaction();
        const result = await work(qr);
        await qr.commitTransaction();
        return result;
      } catch (error) {
        if (qr.isTransactionActive) await qr.rollbackTransaction().catch(() => undefined);
        const errno = (error as { driverError?: { errno?: number }; errno?: number }).driverError?.errno ?? (error as { errno?: number }).errno;
        if (attempt < 4 && errno !== undefined && RETRYABLE_MYSQL.has(errno)) continue;
        throw error;
      } finally {
        await qr.release();
      }
    }
  }
}
