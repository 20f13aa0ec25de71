import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { BRIDGE_CONFIG, type BridgeConfig } from '#app/config';
import { isMysql, fromSqlDateTime } from '#app/database';
import { columnMap, GROUP_COLUMNS, USER_COLUMNS, type ColumnSpec } from './query-columns.js';
import { boundedText, MAX_GROUPS, parseListQuery, queryFailed, snapshotOf, type ParsedQuery } from './query-parser.js';

type Row = Record<string, unknown>;

const USERS = columnMap(USER_COLUMNS);
const GROUPS = columnMap(GROUP_COLUMNS);
/** Rows fetched per query while streaming an answer. */
const PAGE_ROWS = 2000;
/** Bytes buffered before a write (then the socket's backpressure is awaited). */
const WRITE_CHUNK = 64 * 1024;

export interface StreamedAnswer {
  rows: number;
  snapshot: number | null;
}

/** The published users plus those removed since (`delete: true`); pending people never. */
const PUBLISHED_USERS = "person u WHERE u.state <> 'pending'";
const ACTIVE_GROUPS = "department d LEFT JOIN department p ON p.group_no = d.parent_group_no AND p.state = 'active' WHERE d.state = 'active'";

/** Serialises one column's SQL value as JSON text. */
function serialiser(spec: ColumnSpec): (value: unknown) => string {
  switch (spec.type) {
    case 'number':
      return (v) => (v === null || v === undefined ? 'null' : String(Number(v)));
    case 'text':
      return (v) =>
        v === null || v === undefined
          ? 'null'
          : JSON.stringify(typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'bigint' ? String(v) : JSON.stringify(v));
    case 'bool':
      return (v) => (v === null || v === undefined ? 'null' : Number(v) ? 'true' : 'false');
    case 'date':
      return (v) => {
        if (v === null || v === undefined) return 'null';
        const date = fromSqlDateTime(v);
        return date === null || Number.isNaN(date.getTime()) ? 'null' : `"${date.toISOString()}"`;
      };
  }
}

function rowWriter(columns: ColumnSpec[]): (row: Row) => string {
  const parts = columns.map((c, i) => ({ key: `${i ? ',' : '{'}${JSON.stringify(c.name)}:`, alias: `c${i}`, write: serialiser(c) }));
  return (row) => {
    let out = '';
    for (const p of parts) out += p.key + p.write(row[p.alias]);
    return `${out}}`;
  };
}

/**
 * The OMFLOW user and group queries. SQL is assembled only from the fixed column lists and
 * clauses of this lib; every value is a bound parameter. Answers are streamed page by page, with
 * the socket's backpressure, so a large answer never sits whole in memory.
 */
@Injectable()
export class UserQueryService {
  private readonly maxRows: number;
  private readonly mysql: boolean;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(BRIDGE_CONFIG) config: BridgeConfig,
  ) {
    this.maxRows = config.query.maxRows;
    this.mysql = isMysql(dataSource.options);
  }

  /** Parses a user list request (throws a coded error for a bad one) and resolves its source. */
  async prepareUsers(body: Record<string, unknown>): Promise<{ query: ParsedQuery; source: string; sourceParams: unknown[] }> {
    const snapshot = snapshotOf(body);
    const query = parseListQuery(body, USERS, 'id', {
      collate: snapshot === null ? '' : this.mysql ? 'utf8mb4_unicode_ci' : 'NOCASE',
      dialect: this.mysql ? 'mysql' : 'sqlite',
    });
    this.checkSize(query);
    if (snapshot === null) return { query, source: PUBLISHED_USERS, sourceParams: [] };
    const kept = await this.dataSource.query<Row[]>('SELECT id FROM snapshot WHERE id = ?', [snapshot]);
    if (!kept.length) throw queryFailed(`snapshot ${snapshot} is not kept (see /api/v1/snapshots)`);
    // The latest version of each person at or before the snapshot: valid in it → active, closed by then → deleted.
    const source = `(SELECT pe.id AS id, v.username AS username, v.email AS email, v.nick_name AS nick_name, v.ad_no AS ad_no, v.company AS company,
        v.phone1 AS phone1, v.phone2 AS phone2, v.extension_no AS extension_no, v.gender AS gender, v.default_group AS default_group,
        pe.last_login AS last_login, s.created_at AS updated_at,
        CASE WHEN v.to_snapshot IS NULL OR v.to_snapshot > ? THEN 'active' ELSE 'deleted' END AS state
      FROM person pe
      JOIN user_version v ON v.person_id = pe.id AND v.from_snapshot <= ?
        AND NOT EXISTS (SELECT 1 FROM user_version w WHERE w.person_id = v.person_id AND w.from_snapshot <= ? AND w.from_snapshot > v.from_snapshot)
      JOIN snapshot s ON s.id = v.from_snapshot
      WHERE pe.state <> 'pending') u WHERE 1 = 1`;
    return { query, source, sourceParams: [snapshot, snapshot, snapshot] };
  }

  prepareGroups(body: Record<string, unknown>): { query: ParsedQuery; source: string; sourceParams: unknown[] } {
    if (snapshotOf(body) !== null) throw queryFailed('"snapshot" applies to the user list only');
    const query = parseListQuery(body, GROUPS, 'id', { collate: '', dialect: this.mysql ? 'mysql' : 'sqlite' });
    this.checkSize(query);
    return { query, source: ACTIVE_GROUPS, sourceParams: [] };
  }

  private checkSize(query: ParsedQuery): void {
    const asked = Math.max(0, query.limit - query.start);
    if (asked > this.maxRows) {
      throw queryFailed(
        `start=${query.start}, limit=${query.limit} asks for ${asked} rows; at most ${this.maxRows} rows per request (QUERY_MAX_ROWS): page with start/limit`,
      );
    }
  }

  /** The statement of a prepared query and its parameters for one page (also run by the benchmark's floor). */
  static sqlOf(prepared: { query: ParsedQuery; source: string; sourceParams: unknown[] }): {
    sql: string;
    params: (offset: number, size: number) => unknown[];
  } {
    const { query, source, sourceParams } = prepared;
    const select = query.columns.map((c, i) => `${c.sql} AS c${i}`).join(', ');
    return {
      sql: `SELECT ${select} FROM ${source} AND (${query.where}) ORDER BY ${query.orderBy} LIMIT ? OFFSET ?`,
      params: (offset, size) => [...sourceParams, ...query.params, size, offset],
    };
  }

  /**
   * Streams `{"status":200,"message":…,"result":[…]}`. Nothing is written before the first page
   * is read, so a failing query still gets a proper error envelope.
   */
  async stream(
    prepared: { query: ParsedQuery; source: string; sourceParams: unknown[] },
    message: string,
    out: Writable & { headersSent?: boolean; setHeader?(name: string, value: string): unknown },
  ): Promise<StreamedAnswer> {
    const { query } = prepared;
    const { sql, params } = UserQueryService.sqlOf(prepared);
    const total = Math.max(0, query.limit - query.start);
    const write = rowWriter(query.columns);
    const page = (offset: number, size: number) => this.dataSource.query<Row[]>(sql, params(offset, size));

    let rows = total ? await page(query.start, Math.min(PAGE_ROWS, total)) : [];
    out.setHeader?.('Content-Type', 'application/json; charset=utf-8');
    let buffer = `{"status":200,"message":${JSON.stringify(message)},"result":[`;
    let sent = 0;
    for (;;) {
      for (const row of rows) {
        buffer += (sent++ ? ',' : '') + write(row);
        if (buffer.length >= WRITE_CHUNK) {
          await writeWithBackpressure(out, buffer);
          buffer = '';
        }
      }
      if (rows.length < PAGE_ROWS || sent >= total) break;
      rows = await page(query.start + sent, Math.min(PAGE_ROWS, total - sent));
    }
    buffer += ']}';
    await new Promise<void>((resolve, reject) => out.end(buffer, () => resolve()).once('error', reject));
    return { rows: sent, snapshot: query.snapshot };
  }

  /**
   * Members of departments given by code (`org_no`) or by name (`org_name`), keyed by code:
   * `{code: [{user, user__nick_name, user__username, user__ad_no}]}`. Unknown codes or names
   * are left out of the answer.
   */
  async usersByGroup(body: Record<string, unknown>): Promise<Record<string, Row[]>> {
    const byNo = stringList(body, 'org_no');
    const byName = stringList(body, 'org_name');
    if (byNo.length && byName.length) throw queryFailed('give "org_no" or "org_name", not both');
    const keys = byNo.length ? byNo : byName;
    if (!keys.length) throw queryFailed('"org_no" or "org_name" is required: an array of department codes or names');
    if (keys.length > MAX_GROUPS) throw queryFailed(`at most ${MAX_GROUPS} departments per request (got ${keys.length})`);
    const column = byNo.length ? 'group_no' : 'display_name';
    const departments = await this.dataSource.query<Row[]>(
      `SELECT group_no FROM department WHERE state = 'active' AND ${column} IN (${keys.map(() => '?').join(', ')}) ORDER BY id`,
      keys,
    );
    const result: Record<string, Row[]> = {};
    const codes = departments.map((d) => String(d.group_no));
    if (!codes.length) return result;
    if (codes.length > 0) {
      const members = await this.dataSource.query<Row[]>(
        `SELECT g.group_no AS g, u.id AS id, u.nick_name AS nick_name, u.username AS username, u.ad_no AS ad_no
           FROM person_group g JOIN person u ON u.id = g.person_id AND u.state = 'active'
          WHERE g.group_no IN (${codes.map(() => '?').join(', ')}) ORDER BY u.id`,
        codes,
      );
      const canonical = new Map(codes.map((c) => [c.toLowerCase(), c]));
      for (const code of codes) result[code] = [];
      for (const m of members) {
        const code = canonical.get(String(m.g).toLowerCase()) ?? String(m.g);
        (result[code] ??= []).push({ user: Number(m.id), user__nick_name: m.nick_name ?? null, user__username: m.username, user__ad_no: m.ad_no ?? null });
      }
    }
    return result;
  }
}

function stringList(body: Record<string, unknown>, key: string): string[] {
  const raw = body[key];
  if (raw === undefined || raw === null || raw === '') return [];
  const values = typeof raw === 'string' ? [raw] : raw;
  if (!Array.isArray(values) || values.some((v) => typeof v !== 'string')) throw queryFailed(`"${key}" must be an array of strings`);
  (values as string[]).forEach((v, i) => boundedText(v, `${key}[${i}]`));
  return [...new Set(values as string[])];
}

async function writeWithBackpressure(out: Writable, chunk: string): Promise<void> {
  if (out.destroyed) throw new Error('The client went away while the answer was being sent');
  if (out.write(chunk)) return;
  const abort = new AbortController();
  try {
    await Promise.race([
      once(out, 'drain', { signal: abort.signal }),
      once(out, 'close', { signal: abort.signal }).then(() => {
        throw new Error('The client went away while the answer was being sent');
      }),
    ]);
  } finally {
    abort.abort();
  }
}
