import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { Inject, Injectable } from '@nestjs/common';
import { BRIDGE_CONFIG, type BridgeConfig } from '#app/config';
import {
  columnMap,
  GROUP_QUERY_COLUMNS,
  ID_COLUMN,
  parseGroupSelection,
  parseListQuery,
  queryFailed,
  snapshotOf,
  USER_QUERY_COLUMNS,
  type ListQuery,
  type QueryColumn,
} from '#app/omflow-contract';
import { BridgeMetrics } from '#app/metrics';
import { ListQueries, PublishedPeople, type ListValue, type PreparedList } from '#app/snapshots';

const USERS = columnMap(USER_QUERY_COLUMNS);
const GROUPS = columnMap(GROUP_QUERY_COLUMNS);
/** Bytes buffered before a write (then the socket's backpressure is awaited). */
const WRITE_CHUNK = 64 * 1024;

export interface StreamedAnswer {
  rows: number;
  snapshot: number | null;
}

/** A parsed list request, with the call it answers (the rows-served metric's label). */
export type QueryPlan = PreparedList & { call: 'users' | 'groups' };

/** One list-by-group member, as OMFLOW answers it. */
export interface OmflowGroupMember {
  user: number;
  user__nick_name: string | null;
  user__username: string;
  user__ad_no: string | null;
}

/** Writes one value of a column as JSON text. */
function serialiser(column: QueryColumn): (value: ListValue) => string {
  switch (column.type) {
    case 'number':
      return (v) => (v === null ? 'null' : String(v));
    case 'text':
      return (v) => (v === null ? 'null' : JSON.stringify(v));
    case 'bool':
      return (v) => (v === null ? 'null' : v ? 'true' : 'false');
    case 'date':
      return (v) => (v instanceof Date ? `"${v.toISOString()}"` : 'null');
  }
}

function rowWriter(columns: readonly QueryColumn[]): (row: ListValue[]) => string {
  const parts = columns.map((c, i) => ({ key: `${i ? ',' : '{'}${JSON.stringify(c.name)}:`, write: serialiser(c) }));
  return (row) => {
    let out = '';
    for (let i = 0; i < parts.length; i++) out += parts[i].key + parts[i].write(row[i]);
    return `${out}}`;
  };
}

/**
 * The OMFLOW user and group queries: a request is parsed into a SQL-free ListQuery (checked
 * against the contract's columns, every value typed), which libs/snapshots compiles against its
 * tables with every value bound. Answers are streamed page by page, with the socket's
 * backpressure, so a large answer never sits whole in memory.
 */
@Injectable()
export class UserQueryService {
  private readonly maxRows: number;

  constructor(
    private readonly lists: ListQueries,
    private readonly people: PublishedPeople,
    private readonly metrics: BridgeMetrics,
    @Inject(BRIDGE_CONFIG) config: BridgeConfig,
  ) {
    this.maxRows = config.query.maxRows;
  }

  /** Parses a user list request (throws a coded error for a bad one) over the published or the asked snapshot. */
  async prepareUsers(body: Record<string, unknown>): Promise<QueryPlan> {
    snapshotOf(body);
    const query = this.checkSize(parseListQuery(body, USERS, ID_COLUMN));
    const prepared = await this.lists.users(query);
    if (!prepared) throw queryFailed(`snapshot ${query.snapshot} is not kept (see /api/v1/snapshots)`);
    return { ...prepared, call: 'users' };
  }

  prepareGroups(body: Record<string, unknown>): QueryPlan {
    if (snapshotOf(body) !== null) throw queryFailed('"snapshot" applies to the user list only');
    return { ...this.lists.groups(this.checkSize(parseListQuery(body, GROUPS, ID_COLUMN))), call: 'groups' };
  }

  private checkSize(query: ListQuery): ListQuery {
    const asked = Math.max(0, query.limit - query.start);
    if (asked > this.maxRows) {
      throw queryFailed(
        `start=${query.start}, limit=${query.limit} asks for ${asked} rows; at most ${this.maxRows} rows per request (QUERY_MAX_ROWS): page with start/limit`,
      );
    }
    return query;
  }

  /**
   * Streams `{"status":200,"message":…,"result":[…]}`. Nothing is written before the first page
   * is read, so a failing query still gets a proper error envelope.
   */
  async stream(prepared: QueryPlan, message: string, open: () => Writable & { setHeader?(name: string, value: string): unknown }): Promise<StreamedAnswer> {
    const write = rowWriter(prepared.query.columns);
    const pages = this.lists.pages(prepared);
    try {
      let page = await pages.next();
      const out = open();
      out.setHeader?.('Content-Type', 'application/json; charset=utf-8');
      let buffer = `{"status":200,"message":${JSON.stringify(message)},"result":[`;
      let sent = 0;
      let counted = 0;
      for (; !page.done; page = await pages.next()) {
        for (const row of page.value) {
          buffer += (sent++ ? ',' : '') + write(row);
          if (buffer.length >= WRITE_CHUNK) {
            await writeWithBackpressure(out, buffer);
            buffer = '';
            // Counted as they go out: a client that goes away mid-answer was still served these.
            this.metrics.rowsServed(prepared.call, sent - counted);
            counted = sent;
          }
        }
      }
      buffer += ']}';
      await new Promise<void>((resolve, reject) => out.end(buffer, () => resolve()).once('error', reject));
      this.metrics.rowsServed(prepared.call, sent - counted);
      return { rows: sent, snapshot: prepared.query.snapshot };
    } finally {
      await pages.return(undefined);
    }
  }

  /**
   * Members of departments given by code (`org_no`) or by name (`org_name`), keyed by code:
   * `{code: [{user, user__nick_name, user__username, user__ad_no}]}`. Unknown codes or names
   * are left out of the answer.
   */
  async usersByGroup(body: Record<string, unknown>): Promise<Record<string, OmflowGroupMember[]>> {
    const { by, keys } = parseGroupSelection(body);
    const members = await this.people.membersOf(by, keys);
    const result: Record<string, OmflowGroupMember[]> = {};
    let rows = 0;
    for (const [code, list] of members) {
      result[code] = list.map((m) => ({ user: m.id, user__nick_name: m.nickName, user__username: m.username, user__ad_no: m.adNo }));
      rows += list.length;
    }
    this.metrics.rowsServed('users_by_group', rows);
    return result;
  }
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
