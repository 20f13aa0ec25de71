import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Database as SqliteDatabase, Statement } from 'better-sqlite3';
import type { DataSource, EntityManager, QueryRunner } from 'typeorm';
import { isMysql, toSqlDateTime, TransactionRunner } from '#app/database';
import { AUDIT_EVENT_FIELDS } from './audit-event.entity.js';
import { AuditKeyring, type AuditKey } from './audit-keys.js';
import type { ChainHead, PreparedAuditEvent, StoredAuditEvent } from './audit.types.js';
import { CHAIN_V1, CHAIN_V2, hashEvent } from './chain.js';
import { detailsJson } from './redact.js';

const COLUMNS = AUDIT_EVENT_FIELDS.map(([, column]) => column.name);
/** Rows per INSERT statement: 14 parameters each stays far below SQLite's 32766 limit. */
const ROWS_PER_INSERT = 250;
/** MySQL errors worth retrying: a deadlock or a lock wait timeout (Galera certification failures report 1213 too). */
const RETRYABLE_MYSQL = new Set([1213, 1205]);

const HEAD_SQL = 'SELECT last_seq, last_hash, last_key_id, anchor_seq, anchor_hash FROM audit_chain_head WHERE id = 1';
const MOVE_HEAD_SQL = 'UPDATE audit_chain_head SET last_seq = ?, last_hash = ?, last_key_id = ? WHERE id = 1';
/** How long an append waits for its turn on SQLite's one connection before it gives up. */
const SQLITE_WAIT_MS = 10_000;

/** The statements every SQLite append runs, compiled once per connection (compiling them cost more than running them). */
interface SqliteStatements {
  head: Statement;
  insertOne: Statement;
  moveHead: Statement;
}

interface HeadRow {
  last_seq: number | string;
  last_hash: string;
  last_key_id: string | null;
  anchor_seq: number | string;
  anchor_hash: string;
}

function toHead(row: HeadRow | undefined): ChainHead {
  if (!row) throw new Error('audit_chain_head has no row: the audit migration did not run');
  return {
    lastSeq: Number(row.last_seq),
    lastHash: row.last_hash,
    lastKeyId: row.last_key_id ?? null,
    anchorSeq: Number(row.anchor_seq),
    anchorHash: row.anchor_hash,
  };
}

/**
 * The event that opens a stretch of the chain sealed with a new key: the first key (from
 * audit-v1 or an empty chain) or a rotation. Chained by the first append under the key, in the
 * same transaction, so that it is written exactly once whatever the number of instances.
 */
function keyChange(head: ChainHead, key: AuditKey, at: Date): PreparedAuditEvent {
  return {
    occurredAt: at,
    actorKind: 'system',
    actorId: null,
    action: head.lastKeyId ? 'audit.chain.key-rotated' : 'audit.chain.keyed',
    targetType: 'audit_trail',
    targetId: null,
    outcome: 'success',
    requestId: null,
    sourceIp: null,
    details: detailsJson({
      format: CHAIN_V2,
      keyId: key.id,
      previousFormat: head.lastKeyId ? CHAIN_V2 : CHAIN_V1,
      previousKeyId: head.lastKeyId,
    }),
  };
}

interface Chained {
  stored: StoredAuditEvent[];
  head: ChainHead;
  keyChanged: boolean;
}

/**
 * The events chained onto `head` and the new head. A key change is recorded first when the head
 * was sealed otherwise: always when leaving audit-v1; between keys only when `announceRotation`,
 * which a process passes until it has recorded one key change, so that instances running with
 * different current keys during a rolling rotation do not record a change at every batch (each
 * event names its key anyway).
 */
function chain(events: PreparedAuditEvent[], head: ChainHead, key: AuditKey | null, announceRotation = true): Chained {
  if (!key && head.lastKeyId) {
    // Writing audit-v1 after audit-v2 would look like a downgrade attack; the start-up check says how to fix it.
    throw new Error(
      `The audit chain is sealed with key "${head.lastKeyId}" but no audit key is configured (AUDIT_HMAC_KEY): refusing to append unkeyed events.`,
    );
  }
  const keyChanged = !!key && head.lastKeyId !== key.id && (head.lastKeyId === null || announceRotation);
  const all = key && keyChanged ? [keyChange(head, key, events[0].occurredAt), ...events] : events;
  let seq = head.lastSeq;
  let prevHash = head.lastHash;
  const stored = all.map((event) => {
    seq += 1;
    const hash = hashEvent(seq, event, prevHash, key);
    const row: StoredAuditEvent = { ...event, seq, prevHash, hash, keyId: key?.id ?? null };
    prevHash = hash;
    return row;
  });
  return { stored, head: { ...head, lastSeq: seq, lastHash: prevHash, lastKeyId: key?.id ?? null }, keyChanged };
}

function rowParams(e: StoredAuditEvent): unknown[] {
  return AUDIT_EVENT_FIELDS.map(([field]) => {
    const value = e[field];
    return value instanceof Date ? toSqlDateTime(value) : value;
  });
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

/** What an append or a retention left: the events written and the head after them. */
export interface Appended {
  events: StoredAuditEvent[];
  head: ChainHead;
}

/** What retention removed, for the event that records it. */
export interface RemovedPrefix {
  removed: number;
  anchorHash: string;
}

/**
 * The only code that writes audit rows. Each append takes the chain head under a lock, chains
 * the batch onto it (sealed with the current key, if any), inserts it and moves the head, in
 * one transaction: a total order across every writer of the database. SQLite runs the
 * transaction synchronously on the driver's own handle (BEGIN IMMEDIATE), so no other query of
 * this process can interleave with it; MySQL locks the head row with SELECT ... FOR UPDATE.
 */
@Injectable()
export class AuditStore {
  private readonly mysql: boolean;
  /** Whether this process has recorded a rotation to its current key (see `chain`). */
  private rotationRecorded = false;

  private statements: { db: SqliteDatabase; compiled: SqliteStatements } | null = null;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly keys: AuditKeyring,
    private readonly tx: TransactionRunner,
  ) {
    this.mysql = isMysql(dataSource.options);
  }

  async head(): Promise<ChainHead> {
    const rows: HeadRow[] = await this.dataSource.query(HEAD_SQL);
    return toHead(rows[0]);
  }

  /** Appends the events in order; resolves with them as stored (a key change first, when there is one) once committed. */
  async append(events: PreparedAuditEvent[]): Promise<Appended> {
    if (!events.length) return { events: [], head: await this.head() };
    const key = this.keys.current;
    const announce = !this.rotationRecorded;
    let chained: Chained;
    if (!this.mysql) {
      chained = await this.sqliteTransaction((_db, st) => {
        const c = chain(events, toHead(st.head.get() as HeadRow | undefined), key, announce);
        this.sqliteInsert(st, c);
        return c;
      });
    } else {
      chained = await this.mysqlTransaction(async (qr) => {
        const c = chain(events, toHead(((await qr.query(`${HEAD_SQL} FOR UPDATE`)) as HeadRow[])[0]), key, announce);
        await this.mysqlInsert(qr, c);
        return c;
      });
    }
    if (chained.keyChanged) this.rotationRecorded = true;
    return { events: chained.stored, head: chained.head };
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
    const rows = await m.query<HeadRow[]>(`${HEAD_SQL}${this.mysql ? ' FOR UPDATE' : ''}`);
    const chained = chain(events, toHead(rows[0]), this.keys.current, !this.rotationRecorded);
    await this.mysqlInsert(m, chained);
    if (chained.keyChanged) this.rotationRecorded = true;
    return chained.stored;
  }

  /**
   * Removes the events up to `upToSeq` (an archived prefix of the chain), records the last
   * one's hash as the anchor the remaining chain starts from, and appends the event `record`
   * builds about it, all in one transaction: the anchor never moves without a sealed event that
   * names it, which is what tells retention from someone deleting the oldest rows. Does nothing
   * and returns null when the anchor is no longer `expectedAnchorSeq` (another instance ran
   * retention meanwhile).
   */
  async removePrefix(
    upToSeq: number,
    expectedAnchorSeq: number,
    now: Date,
    record: (removed: RemovedPrefix) => PreparedAuditEvent,
  ): Promise<(RemovedPrefix & Appended) | null> {
    const key = this.keys.current;
    const missing = () => new Error(`audit event ${upToSeq} is missing: the chain is broken, retention refuses to anchor on it`);
    const result = await this.removePrefixInTransaction(upToSeq, expectedAnchorSeq, now, record, key, missing);
    // More than the retention event: a key change was recorded before it.
    if (result && result.events.length > 1) this.rotationRecorded = true;
    return result;
  }

  private async removePrefixInTransaction(
    upToSeq: number,
    expectedAnchorSeq: number,
    now: Date,
    record: (removed: RemovedPrefix) => PreparedAuditEvent,
    key: AuditKey | null,
    missing: () => Error,
  ): Promise<(RemovedPrefix & Appended) | null> {
    if (!this.mysql) {
      return this.sqliteTransaction((db, st) => {
        const head = toHead(st.head.get() as HeadRow | undefined);
        if (head.anchorSeq !== expectedAnchorSeq || upToSeq > head.lastSeq) return null;
        const last = db.prepare('SELECT hash FROM audit_event WHERE seq = ?').get(upToSeq) as { hash: string } | undefined;
        if (!last) throw missing();
        const result = db.prepare('DELETE FROM audit_event WHERE seq <= ?').run(upToSeq);
        db.prepare('UPDATE audit_chain_head SET anchor_seq = ?, anchor_hash = ?, anchor_at = ? WHERE id = 1').run(upToSeq, last.hash, toSqlDateTime(now));
        const removed = { removed: result.changes, anchorHash: last.hash };
        const chained = chain([record(removed)], { ...head, anchorSeq: upToSeq, anchorHash: last.hash }, key, !this.rotationRecorded);
        this.sqliteInsert(st, chained);
        return { ...removed, events: chained.stored, head: chained.head };
      });
    }
    return this.mysqlTransaction(async (qr) => {
      const head = toHead(((await qr.query(`${HEAD_SQL} FOR UPDATE`)) as HeadRow[])[0]);
      if (head.anchorSeq !== expectedAnchorSeq || upToSeq > head.lastSeq) return null;
      const last = ((await qr.query('SELECT hash FROM audit_event WHERE seq = ?', [upToSeq])) as { hash: string }[])[0];
      if (!last) throw missing();
      const result = (await qr.query('DELETE FROM audit_event WHERE seq <= ?', [upToSeq])) as { affectedRows?: number };
      await qr.query('UPDATE audit_chain_head SET anchor_seq = ?, anchor_hash = ?, anchor_at = ? WHERE id = 1', [upToSeq, last.hash, toSqlDateTime(now)]);
      const removed = { removed: Number(result.affectedRows ?? 0), anchorHash: last.hash };
      const chained = chain([record(removed)], { ...head, anchorSeq: upToSeq, anchorHash: last.hash }, key, !this.rotationRecorded);
      await this.mysqlInsert(qr, chained);
      return { ...removed, events: chained.stored, head: chained.head };
    });
  }

  /** One prepared single-row INSERT run per event: on SQLite a row costs the same either way, and nothing is compiled per batch. */
  private sqliteInsert(st: SqliteStatements, { stored, head }: Chained): void {
    for (const event of stored) st.insertOne.run(rowParams(event));
    st.moveHead.run(head.lastSeq, head.lastHash, head.lastKeyId);
  }

  private async mysqlInsert(qr: Pick<QueryRunner | EntityManager, 'query'>, { stored, head }: Chained): Promise<void> {
    for (const part of chunks(stored, ROWS_PER_INSERT)) await qr.query(insertSql(part.length), part.flatMap(rowParams));
    await qr.query(MOVE_HEAD_SQL, [head.lastSeq, head.lastHash, head.lastKeyId]);
  }

  /**
   * Runs `work` in a write transaction (BEGIN IMMEDIATE) on the better-sqlite3 handle, once no
   * TypeORM transaction is open on it: one begun there would otherwise swallow ours (as a
   * savepoint) and could roll it back after we reported the events stored. It takes its turn in
   * the TransactionRunner's queue (no polling while the bridge's own transactions run), then
   * waits out any transaction opened on the handle some other way.
   */
  private async sqliteTransaction<T>(work: (db: SqliteDatabase, statements: SqliteStatements) => T): Promise<T> {
    let expired = false;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        expired = true;
        reject(
          new Error(
            'the SQLite connection stayed inside a transaction for more than 10 s (is AuditService.record() awaited inside an open TypeORM transaction? Record after the commit)',
          ),
        );
      }, SQLITE_WAIT_MS);
    });
    const turn = this.tx.exclusive(async () => {
      const db = (this.dataSource.driver as unknown as { databaseConnection: SqliteDatabase }).databaseConnection;
      while (db.inTransaction && !expired) await sleep(1);
      if (expired) throw new Error('gave up waiting for the SQLite connection');
      const statements = this.sqliteStatements(db);
      return db.transaction(() => work(db, statements)).immediate();
    });
    try {
      return await Promise.race([turn, late]);
    } finally {
      clearTimeout(timer);
      // The loser of the race must not be reported as unhandled.
      turn.catch(() => undefined);
      late.catch(() => undefined);
    }
  }

  private sqliteStatements(db: SqliteDatabase): SqliteStatements {
    if (this.statements?.db !== db) {
      this.statements = { db, compiled: { head: db.prepare(HEAD_SQL), insertOne: db.prepare(insertSql(1)), moveHead: db.prepare(MOVE_HEAD_SQL) } };
    }
    return this.statements.compiled;
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
