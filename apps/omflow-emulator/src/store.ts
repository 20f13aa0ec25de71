import Database from 'better-sqlite3';
import type { ApplyResult } from './apply.js';
import type { ChangeCounts, OmGroup, OmState, OmUser, PullRecord } from './model.js';

interface UserRow {
  id: number;
  username: string;
  email: string;
  nick_name: string;
  ad_no: string;
  company: string;
  phone1: string;
  phone2: string;
  extension_no: string;
  gender: string;
  is_active: number;
  deleted: number;
  default_group: string | null;
  last_login: string | null;
  updatetime: string;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS om_user (
  id INTEGER PRIMARY KEY, username TEXT NOT NULL, email TEXT NOT NULL, nick_name TEXT NOT NULL, ad_no TEXT NOT NULL,
  company TEXT NOT NULL, phone1 TEXT NOT NULL, phone2 TEXT NOT NULL, extension_no TEXT NOT NULL, gender TEXT NOT NULL,
  is_active INTEGER NOT NULL, deleted INTEGER NOT NULL, default_group TEXT, last_login TEXT, updatetime TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS om_group (
  id INTEGER PRIMARY KEY, group_no TEXT NOT NULL, display_name TEXT NOT NULL, parent_group_id INTEGER,
  description TEXT NOT NULL, updatetime TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS om_member (group_id INTEGER NOT NULL, user_id INTEGER NOT NULL, PRIMARY KEY (group_id, user_id));
CREATE TABLE IF NOT EXISTS om_counter (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS om_pull (id INTEGER PRIMARY KEY, record TEXT NOT NULL);
`;

/**
 * The emulator's OMFLOW database: SQLite (better-sqlite3) in memory or in a file. The whole state
 * is also held in memory (the apply and the queries work on it) and written through on each
 * change, in one transaction per change.
 */
export class OmflowStore {
  private readonly db: Database.Database;
  readonly state: OmState;

  constructor(file: string) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.exec(SCHEMA);
    this.state = this.load();
  }

  private load(): OmState {
    const users = new Map<number, OmUser>();
    for (const r of this.db.prepare('SELECT * FROM om_user').all() as UserRow[]) {
      const { deleted, is_active, ...rest } = r;
      users.set(r.id, { ...rest, is_active: is_active === 1, delete: deleted === 1 });
    }
    const groups = new Map<number, OmGroup>();
    for (const g of this.db.prepare('SELECT * FROM om_group').all() as OmGroup[]) groups.set(g.id, g);
    const members = new Map<number, Set<number>>();
    for (const g of groups.keys()) members.set(g, new Set());
    for (const m of this.db.prepare('SELECT group_id, user_id FROM om_member').all() as { group_id: number; user_id: number }[])
      members.get(m.group_id)?.add(m.user_id);
    const counter = (name: string, rows: Map<number, unknown>) => {
      const row = this.db.prepare('SELECT value FROM om_counter WHERE name = ?').get(name) as { value: number } | undefined;
      return Math.max(row?.value ?? 1, ...[...rows.keys()].map((id) => id + 1));
    };
    return { users, groups, members, nextUserId: counter('user', users), nextGroupId: counter('group', groups) };
  }

  /** Writes what an apply (or an admin edit) changed, in one transaction. */
  persist(dirty: ApplyResult['dirty']): void {
    const s = this.state;
    const putUser = this.db.prepare(
      `INSERT OR REPLACE INTO om_user (id, username, email, nick_name, ad_no, company, phone1, phone2, extension_no, gender, is_active, deleted, default_group, last_login, updatetime)
       VALUES (@id, @username, @email, @nick_name, @ad_no, @company, @phone1, @phone2, @extension_no, @gender, @is_active, @deleted, @default_group, @last_login, @updatetime)`,
    );
    const putGroup = this.db.prepare(
      'INSERT OR REPLACE INTO om_group (id, group_no, display_name, parent_group_id, description, updatetime) VALUES (@id, @group_no, @display_name, @parent_group_id, @description, @updatetime)',
    );
    this.db.transaction(() => {
      for (const id of dirty.removedUsers) {
        this.db.prepare('DELETE FROM om_user WHERE id = ?').run(id);
        this.db.prepare('DELETE FROM om_member WHERE user_id = ?').run(id);
      }
      for (const id of dirty.removedGroups) {
        this.db.prepare('DELETE FROM om_group WHERE id = ?').run(id);
        this.db.prepare('DELETE FROM om_member WHERE group_id = ?').run(id);
      }
      for (const id of dirty.users) {
        const u = s.users.get(id);
        if (!u) continue;
        const { delete: deleted, is_active, ...rest } = u;
        putUser.run({ ...rest, is_active: is_active ? 1 : 0, deleted: deleted ? 1 : 0 });
      }
      for (const id of dirty.groups) {
        const g = s.groups.get(id);
        if (g) putGroup.run(g);
      }
      const addMember = this.db.prepare('INSERT INTO om_member (group_id, user_id) VALUES (?, ?)');
      for (const id of dirty.members) {
        this.db.prepare('DELETE FROM om_member WHERE group_id = ?').run(id);
        for (const userId of s.members.get(id) ?? []) addMember.run(id, userId);
      }
      const counter = this.db.prepare('INSERT OR REPLACE INTO om_counter (name, value) VALUES (?, ?)');
      counter.run('user', s.nextUserId);
      counter.run('group', s.nextGroupId);
    })();
  }

  /** A new pull's id. */
  nextPullId(): number {
    const row = this.db.prepare('SELECT MAX(id) AS id FROM om_pull').get() as { id: number | null };
    return (row.id ?? 0) + 1;
  }

  savePull(pull: PullRecord): void {
    this.db.prepare('INSERT OR REPLACE INTO om_pull (id, record) VALUES (?, ?)').run(pull.id, JSON.stringify(pull));
  }

  /** Pulls, the latest first. */
  pulls(limit: number, before?: number): PullRecord[] {
    const rows = (
      before === undefined
        ? this.db.prepare('SELECT record FROM om_pull ORDER BY id DESC LIMIT ?').all(limit)
        : this.db.prepare('SELECT record FROM om_pull WHERE id < ? ORDER BY id DESC LIMIT ?').all(before, limit)
    ) as { record: string }[];
    return rows.map((r) => JSON.parse(r.record) as PullRecord);
  }

  pull(id: number): PullRecord | null {
    const row = this.db.prepare('SELECT record FROM om_pull WHERE id = ?').get(id) as { record: string } | undefined;
    return row ? (JSON.parse(row.record) as PullRecord) : null;
  }

  close(): void {
    this.db.close();
  }
}

export const noChanges = (): ChangeCounts => ({ added: 0, modified: 0, deleted: 0, failed: 0, unchanged: 0 });

/** An empty `dirty` set. */
export function nothingDirty(): ApplyResult['dirty'] {
  return { users: new Set(), removedUsers: new Set(), groups: new Set(), removedGroups: new Set(), members: new Set() };
}
