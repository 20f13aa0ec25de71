import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { DirectSql, fromSqlDateTime, isMysql } from '#app/database';
import { USER_FIELDS, type ListQuery, type QueryColumn } from '#app/omflow-contract';
import { compileList, groupColumnSql, groupKeySql, userColumnSql, userKeySql, type CompiledList, type ListSource, type TextRules } from './list-query-sql.js';
import { FOLD_FUNCTION, TextKeys, USER_KEY_COLUMNS } from './text-keys.js';
import { validIn } from './valid-in.js';
import { VersionChain } from './version-chain.repository.js';

/** A list query compiled against this library's tables, ready to run page by page. */
export interface PreparedList {
  query: ListQuery;
  statement: CompiledList;
}

/** One answered value: typed after its column (dates as instants); null when empty. */
export type ListValue = number | string | boolean | Date | null;

/** The collation of the published view's text columns on MySQL (migration 1763890000000), and of the connection. */
const VIEW_COLLATION = 'utf8mb4_unicode_ci';
const CONNECTION_COLLATION = 'utf8mb4_unicode_ci';

/** Rows fetched per query while a list is read. */
export const PAGE_ROWS = 2000;

/** The published users plus those removed since (`delete: true`); pending people never. */
const PUBLISHED_USERS = "person u WHERE u.state <> 'pending'";
const ACTIVE_GROUPS = "department d LEFT JOIN department p ON p.group_no = d.parent_group_no AND p.state = 'active' WHERE d.state = 'active'";

/**
 * The rows of a past snapshot under the published view's names: the latest version of each
 * person at or before the snapshot, `active` when valid in it, `deleted` when closed by then.
 */
function pastUsers(snapshotId: number, keys: boolean): { from: string; params: unknown[] } {
  const valid = validIn(snapshotId, 'v');
  const keyColumns = keys ? USER_KEY_COLUMNS.map((c) => `v.${c} AS ${c}, `).join('') : '';
  const from = `(SELECT pe.id AS id, ${USER_FIELDS.map((f) => `v.${f} AS ${f}`).join(', ')}, v.default_group AS default_group, ${keyColumns}
        pe.last_login AS last_login, s.created_at AS updated_at,
        CASE WHEN ${valid.sql} THEN 'active' ELSE 'deleted' END AS state
      FROM person pe
      JOIN user_version v ON v.person_id = pe.id AND v.from_snapshot <= ?
        AND NOT EXISTS (SELECT 1 FROM user_version w WHERE w.person_id = v.person_id AND w.from_snapshot <= ? AND w.from_snapshot > v.from_snapshot)
      JOIN snapshot s ON s.id = v.from_snapshot
      WHERE pe.state <> 'pending') u WHERE 1 = 1`;
  return { from, params: [...valid.params, snapshotId, snapshotId] };
}

/** Reads one stored value as its column's type. */
function decoder(column: QueryColumn): (value: unknown) => ListValue {
  switch (column.type) {
    case 'number':
      return (v) => (v === null || v === undefined ? null : Number(v));
    case 'text':
      return (v) =>
        v === null || v === undefined ? null : typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'bigint' ? String(v) : JSON.stringify(v);
    case 'bool':
      return (v) => (v === null || v === undefined ? null : Boolean(Number(v)));
    case 'date':
      return (v) => {
        const date = fromSqlDateTime(v);
        return date === null || Number.isNaN(date.getTime()) ? null : date;
      };
  }
}

/**
 * The query API's lists, compiled from the SQL-free ListQuery of libs/omflow-contract against
 * the published view (or a past snapshot's versions) and read page by page.
 */
@Injectable()
export class ListQueries {
  private readonly dialect: 'mysql' | 'sqlite';

  constructor(
    @InjectDataSource() dataSource: DataSource,
    private readonly chain: VersionChain,
    private readonly sql: DirectSql,
    private readonly keys: TextKeys,
  ) {
    this.dialect = isMysql(dataSource.options) ? 'mysql' : 'sqlite';
  }

  /**
   * Text rules of a source: on MySQL, OMFLOW's collation named where the columns' own differs
   * (`own`: the published view's columns are utf8mb4_unicode_ci, past versions binary); on
   * SQLite, its keys and folds.
   */
  private text(own: string | null): TextRules {
    if (this.dialect === 'sqlite') {
      const collation = this.keys.collation;
      return { dialect: 'sqlite', key: (t) => collation.key(t), fold: (t) => collation.fold(t), foldFunction: FOLD_FUNCTION };
    }
    const server = this.keys.serverCollation;
    return { dialect: 'mysql', collate: server === own ? '' : server, constants: server === CONNECTION_COLLATION ? '' : server };
  }

  /** The user list, over the published view or the kept snapshot `query.snapshot`; null when that snapshot is not kept. */
  async users(query: ListQuery): Promise<PreparedList | null> {
    if (query.snapshot === null) {
      return this.prepare(query, { from: PUBLISHED_USERS, params: [], sql: userColumnSql, key: userKeySql }, this.text(VIEW_COLLATION));
    }
    if (!(await this.chain.snapshot(query.snapshot))) return null;
    // Versions are stored as the directory gives them, with a binary collation: compare them as the published view does.
    return this.prepare(query, { ...pastUsers(query.snapshot, this.dialect === 'sqlite'), sql: userColumnSql, key: userKeySql }, this.text(null));
  }

  /** The department list (published departments only). */
  groups(query: ListQuery): PreparedList {
    return this.prepare(query, { from: ACTIVE_GROUPS, params: [], sql: groupColumnSql, key: groupKeySql }, this.text(VIEW_COLLATION));
  }

  private prepare(query: ListQuery, source: ListSource, text: TextRules): PreparedList {
    return { query, statement: compileList(query, source, text) };
  }

  /**
   * The rows of `prepared` (Django's `[start:limit]`), page by page, each row its values in the
   * query's column order. A page is read only when the previous one was consumed.
   */
  async *pages(prepared: PreparedList): AsyncGenerator<ListValue[][]> {
    const { query, statement } = prepared;
    const total = Math.max(0, query.limit - query.start);
    const decoders = query.columns.map(decoder);
    const aliases = query.columns.map((_, i) => `c${i}`);
    let read = 0;
    while (read < total) {
      const page = statement.page(query.start + read, Math.min(PAGE_ROWS, total - read));
      const rows = await this.sql.rows<Record<string, unknown>>(page.sql, page.params);
      read += rows.length;
      yield rows.map((row) => decoders.map((decode, i) => decode(row[aliases[i]])));
      if (rows.length < PAGE_ROWS) return;
    }
  }
}
